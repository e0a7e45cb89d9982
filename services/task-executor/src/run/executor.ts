/**
 * The executor: accepts tasks (validated, deduplicated by idempotency key),
 * queues them for a bounded number of execution slots, answers reads from
 * the store (so any replica can), and cancels wherever the task runs: a
 * cancel request fans out through the store to the replica that owns it.
 */
import type { Task, TaskSpec, WatchTaskResponse } from '@nightglow/contracts/executor/v1';
import { create } from '@bufbuild/protobuf';
import { TaskErrorSchema, TaskEventType, TaskFailureReason, TaskState } from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';
import { DEFAULT_ACTION_TIMEOUT_MS, DEFAULT_TASK_TIMEOUT_MS, toMs, timestampOf } from '../spec/durations.js';
import { stopJob, type Job, type RunnerDeps } from './job.js';
import { prepareTask } from './new-task.js';
import { createScheduler } from './scheduler.js';
import { runTask } from './task-runner.js';
import { isTerminal } from './task-state.js';
import { watchTask } from './watch-task.js';

/** Options of {@link createExecutor}. */
export type ExecutorOptions = RunnerDeps & {
  readonly concurrency: number;
  /** Most queued tasks; SubmitTask is refused RESOURCE_EXHAUSTED beyond. */
  readonly queueLimit: number;
  readonly allowEvaluate: boolean;
};

/** The executor's operations, in domain terms (the RPC layer maps them). */
export type Executor = {
  submit(spec: TaskSpec, validateOnly: boolean): Promise<{ task: Task; deduplicated: boolean }>;
  /** NOT_FOUND when unknown or past retention. */
  get(id: string): Promise<Task>;
  /** Every retained task, newest first. */
  list(): Promise<Task[]>;
  /** Cancels a queued or running task and waits (up to 3 s) for it to end; a finished task comes back unchanged. */
  cancel(id: string, reason: string): Promise<Task>;
  watch(id: string, sendInitial: boolean, signal: AbortSignal): AsyncIterable<WatchTaskResponse>;
  /** Cancels what is queued or running here and waits for it to end. */
  close(): Promise<void>;
};

/** Creates the executor and registers it as this replica's cancel handler. */
export function createExecutor(opts: ExecutorOptions): Executor {
  const jobs = new Map<string, Job>();
  const scheduler = createScheduler(opts.concurrency, (n) => opts.metrics.queueLength.set(n));
  const get = async (id: string): Promise<Task> => {
    const t = await opts.store.getTask(id);
    if (!t) throw ExecutorError.notFound('task', id);
    if (t.state === TaskState.QUEUED && jobs.has(id)) t.queuePosition = scheduler.position(id);
    return t;
  };
  const cancelLocal = async (id: string, reason: string): Promise<void> => {
    const job = jobs.get(id);
    if (!job) return;
    const message = reason === '' ? 'cancelled' : `cancelled: ${reason}`;
    if (!scheduler.withdraw(id)) return stopJob(job, { kind: 'cancel', message });
    jobs.delete(id);
    job.stop = { kind: 'cancel', message };
    opts.metrics.tasks.child('QUEUED').dec();
    opts.metrics.tasksTotal.child('CANCELLED').inc();
    Object.assign(job.task, {
      state: TaskState.CANCELLED,
      finishTime: timestampOf(opts.clock.now()),
      queuePosition: 0,
    });
    job.task.error = create(TaskErrorSchema, { reason: TaskFailureReason.CANCELLED, message });
    await opts.store.putTask(job.task);
    await opts.events.task(job.task, TaskEventType.CANCELLED);
  };
  opts.store.onCancelRequest(
    (id, reason) => void cancelLocal(id, reason).catch((e: unknown) => opts.logger.error({ err: e }, 'cancel failed')),
  );

  return {
    async submit(spec, validateOnly) {
      const { task, actions } = await prepareTask(spec, opts, validateOnly);
      if (validateOnly) return { task, deduplicated: false };
      if (scheduler.queueLength() >= opts.queueLimit && scheduler.running() >= opts.concurrency) {
        throw new ExecutorError('RESOURCE_EXHAUSTED', `the task queue is full (${opts.queueLimit} waiting)`, {
          reason: 'QUEUE_FULL',
        });
      }
      if (spec.idempotencyKey !== '') {
        const held = await opts.store.claimIdempotencyKey(spec.idempotencyKey, task.id);
        if (held !== undefined) {
          for (let i = 0; i < 20; i++) {
            const existing = await opts.store.getTask(held);
            if (existing) return { task: existing, deduplicated: true };
            await opts.clock.sleep(50);
          }
          throw new ExecutorError('UNAVAILABLE', `idempotency key is held by task ${held}, which is not readable yet`);
        }
      }
      const h = spec.humanInput;
      const job: Job = {
        task,
        actions,
        human: h?.enabled
          ? {
              typingMeanMs: toMs(h.typingDelayMean) ?? 90,
              typingStddevMs: toMs(h.typingDelayStddev) ?? 35,
              rng: opts.rng,
            }
          : undefined,
        actionTimeoutMs: toMs(spec.actionTimeout) ?? DEFAULT_ACTION_TIMEOUT_MS,
        taskTimeoutMs: toMs(spec.timeout) ?? DEFAULT_TASK_TIMEOUT_MS,
        abort: new AbortController(),
        stop: undefined,
      };
      jobs.set(task.id, job);
      task.queuePosition = scheduler.queueLength() + 1;
      await opts.store.putTask(task);
      opts.metrics.tasksTotal.child('QUEUED').inc();
      opts.metrics.tasks.child('QUEUED').inc();
      await opts.events.task(task, TaskEventType.QUEUED);
      scheduler.submit({
        id: task.id,
        run: async () => {
          task.queuePosition = 0;
          await runTask(job, opts).finally(() => jobs.delete(task.id));
        },
      });
      return { task: await get(task.id), deduplicated: false };
    },
    get,
    list: () => opts.store.listTasks(),
    async cancel(id, reason) {
      const t = await get(id);
      if (isTerminal(t.state)) return t;
      await opts.store.requestCancel(id, reason);
      const deadline = opts.clock.now() + 3000;
      for (;;) {
        const now = await get(id);
        if (isTerminal(now.state) || opts.clock.now() >= deadline) return now;
        await opts.clock.sleep(25);
      }
    },
    watch: (id, sendInitial, signal) => watchTask(opts.store, { taskId: id, sendInitial, signal }),
    async close() {
      for (const job of jobs.values()) stopJob(job, { kind: 'cancel', message: 'cancelled: executor shutting down' });
      const left = await scheduler.drain();
      for (const r of left) await r.run().catch(() => undefined);
    },
  };
}
