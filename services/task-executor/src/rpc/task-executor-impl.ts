/**
 * The `nightglow.executor.v1.TaskExecutor` implementation: request checks,
 * list filters and pagination, and nothing else; domain errors are mapped to
 * gRPC codes by the runtime through `ExecutorError.toConnectError`.
 */
import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import {
  CancelTaskResponseSchema,
  DeleteTemplateResponseSchema,
  GetTaskResponseSchema,
  GetTemplateResponseSchema,
  ListTasksResponseSchema,
  ListTemplatesResponseSchema,
  RegisterTemplateResponseSchema,
  SubmitTaskResponseSchema,
  type Task,
  type TaskExecutor,
  type ListTasksRequest,
} from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';
import type { Executor } from '../run/executor.js';
import type { TemplateRegistry } from '../templates/template-registry.js';
import { parseLabelSelector } from './label-selector.js';
import { paginate } from './pagination.js';

const required = (value: string, field: string): string => {
  if (value.trim() === '') throw ExecutorError.invalid([{ field, description: 'must be set' }]);
  return value;
};

function taskFilter(req: ListTasksRequest): (t: Task) => boolean {
  const labels = parseLabelSelector(req.labelSelector);
  const states = new Set(req.states);
  return (t) =>
    (states.size === 0 || states.has(t.state)) &&
    (req.pool === '' || t.pool === req.pool) &&
    (req.sessionId === '' || t.sessionId === req.sessionId) &&
    labels(t.spec?.labels ?? {});
}

/** Builds the TaskExecutor implementation over the executor and the template registry. */
export function taskExecutorImpl(executor: Executor, templates: TemplateRegistry): ServiceImpl<typeof TaskExecutor> {
  return {
    async submitTask(req) {
      if (!req.spec) throw ExecutorError.invalid([{ field: 'spec', description: 'must be set' }]);
      const r = await executor.submit(req.spec, req.validateOnly);
      return create(SubmitTaskResponseSchema, r);
    },
    async getTask(req) {
      return create(GetTaskResponseSchema, { task: await executor.get(required(req.taskId, 'task_id')) });
    },
    async listTasks(req) {
      const match = taskFilter(req);
      const filter = JSON.stringify([req.states, req.pool, req.sessionId, req.labelSelector]);
      const all = (await executor.list()).filter(match);
      const { page, next } = paginate(all, { pageSize: req.pageSize, pageToken: req.pageToken, filter }, (t) => t.id);
      return create(ListTasksResponseSchema, { tasks: page, nextPageToken: next });
    },
    async *watchTask(req, ctx) {
      yield* executor.watch(required(req.taskId, 'task_id'), req.sendInitialState, ctx.signal);
    },
    async cancelTask(req) {
      if (req.reason.length > 256)
        throw ExecutorError.invalid([{ field: 'reason', description: 'must be at most 256 characters' }]);
      return create(CancelTaskResponseSchema, {
        task: await executor.cancel(required(req.taskId, 'task_id'), req.reason),
      });
    },
    async registerTemplate(req) {
      if (!req.template) throw ExecutorError.invalid([{ field: 'template', description: 'must be set' }]);
      return create(RegisterTemplateResponseSchema, await templates.register(req.template, req.validateOnly));
    },
    async getTemplate(req) {
      return create(GetTemplateResponseSchema, { template: await templates.get(required(req.name, 'name')) });
    },
    async listTemplates(req) {
      const match = parseLabelSelector(req.labelSelector);
      const all = (await templates.list()).filter((t) => match(t.labels));
      const { page, next } = paginate(
        all,
        { pageSize: req.pageSize, pageToken: req.pageToken, filter: req.labelSelector },
        (t) => t.name,
      );
      return create(ListTemplatesResponseSchema, { templates: page, nextPageToken: next });
    },
    async deleteTemplate(req) {
      await templates.remove(required(req.name, 'name'));
      return create(DeleteTemplateResponseSchema);
    },
  };
}
