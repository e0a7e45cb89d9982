/**
 * Template registration: validate, then create or replace by name. Replacing
 * bumps the revision and keeps `create_time`; tasks already submitted keep
 * the actions they were expanded with.
 */
import { clone } from '@bufbuild/protobuf';
import { TemplateSchema, type Template } from '@nightglow/contracts/executor/v1';
import type { Clock } from '@nightglow/runtime';
import { ExecutorError } from '../errors.js';
import type { TaskStore } from '../store/port.js';
import { timestampOf } from '../spec/durations.js';
import { validateTemplate } from './validate-template.js';

/** Template operations in domain terms. */
export type TemplateRegistry = {
  register(t: Template, validateOnly: boolean): Promise<{ template: Template; created: boolean }>;
  get(name: string): Promise<Template>;
  list(): Promise<Template[]>;
  remove(name: string): Promise<void>;
};

/** Creates the registry over `store`. */
export function createTemplateRegistry(store: TaskStore, clock: Clock): TemplateRegistry {
  return {
    async register(input, validateOnly) {
      validateTemplate(input);
      const existing = await store.getTemplate(input.name);
      const t = clone(TemplateSchema, input);
      const now = timestampOf(clock.now());
      t.revision = (existing?.revision ?? 0n) + 1n;
      t.createTime = existing?.createTime ?? now;
      t.updateTime = now;
      if (!validateOnly) await store.putTemplate(t);
      return { template: t, created: existing === undefined };
    },
    async get(name) {
      const t = await store.getTemplate(name);
      if (!t) throw ExecutorError.notFound('template', name);
      return t;
    },
    list: () => store.listTemplates(),
    async remove(name) {
      if (!(await store.deleteTemplate(name))) throw ExecutorError.notFound('template', name);
    },
  };
}
