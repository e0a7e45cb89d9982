/**
 * The in-memory {@link TaskStore}: one process (all-in-one, tests). Watch
 * events are delivered synchronously, in publish order.
 */
import { clone } from '@bufbuild/protobuf';
import {
  TaskSchema,
  TemplateSchema,
  type Task,
  type Template,
  type WatchTaskResponse,
} from '@nightglow/contracts/executor/v1';
import { type Clock, systemClock } from '@nightglow/runtime';
import { isTerminal } from '../run/task-state.js';
import { timestampMs } from '../spec/durations.js';
import { createMemoryLeases } from './memory-leases.js';
import type { TaskStore, Unsubscribe } from './port.js';

/** Options of {@link createMemoryStore}. */
export type MemoryStoreOptions = {
  /** How long a finished task is kept. Default 24 h. */
  readonly retentionMs?: number;
  readonly clock?: Clock;
};

/** Creates an in-memory {@link TaskStore}. */
export function createMemoryStore(opts: MemoryStoreOptions = {}): TaskStore {
  const retentionMs = opts.retentionMs ?? 24 * 3_600_000;
  const clock = opts.clock ?? systemClock;
  const tasks = new Map<string, Task>();
  const keys = new Map<string, string>();
  const templates = new Map<string, Template>();
  const listeners = new Map<string, Set<(e: WatchTaskResponse) => void>>();
  let cancelHandler: (taskId: string, reason: string) => void = () => {};

  const prune = (): void => {
    const cutoff = clock.now() - retentionMs;
    for (const [id, t] of tasks) {
      if (isTerminal(t.state) && timestampMs(t.finishTime) < cutoff) {
        tasks.delete(id);
        if (t.spec?.idempotencyKey) keys.delete(t.spec.idempotencyKey);
      }
    }
  };

  return {
    putTask: async (task) => {
      const held = tasks.get(task.id);
      if (held && isTerminal(held.state)) return false;
      tasks.set(task.id, clone(TaskSchema, task));
      prune();
      return true;
    },
    getTask: async (id) => {
      const t = tasks.get(id);
      return t && clone(TaskSchema, t);
    },
    listTasks: async () => {
      prune();
      return [...tasks.values()]
        .map((t) => clone(TaskSchema, t))
        .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    },
    claimIdempotencyKey: async (key, taskId) => {
      const held = keys.get(key);
      if (held !== undefined) return held;
      keys.set(key, taskId);
      return undefined;
    },
    publish: async (taskId, event) => {
      for (const l of [...(listeners.get(taskId) ?? [])]) l(event);
    },
    subscribe: async (taskId, listener): Promise<Unsubscribe> => {
      let set = listeners.get(taskId);
      if (!set) listeners.set(taskId, (set = new Set()));
      set.add(listener);
      return async () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(taskId);
      };
    },
    requestCancel: async (taskId, reason) => cancelHandler(taskId, reason),
    onCancelRequest: (h) => void (cancelHandler = h),
    putTemplate: async (t) => void templates.set(t.name, clone(TemplateSchema, t)),
    getTemplate: async (name) => {
      const t = templates.get(name);
      return t && clone(TemplateSchema, t);
    },
    listTemplates: async () =>
      [...templates.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => clone(TemplateSchema, t)),
    deleteTemplate: async (name) => templates.delete(name),
    leases: createMemoryLeases(clock),
    close: async () => listeners.clear(),
  };
}
