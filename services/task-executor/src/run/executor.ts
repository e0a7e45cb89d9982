/**
 * The executor: accepts tasks (validated, deduplicated by idempotency key),
 * queues them for a bounded number of execution slots, answers reads from
 * the store (so any replica can), and cancels wherever the task runs: a
 * cancel request fans out through the store to the replica that owns it.
 * With `replica` set, this replica holds its unfinished tasks under a lease
 * (`replica-lease.ts`) and takes over those of a dead replica: it ends the
 * ones that were running FAILED (EXECUTOR_LOST) and runs the queued ones.
 */
import type { Task, TaskSpec, WatchTaskResponse } from '@nightglow/contracts/executor/v1';
import { create } from '@bufbuild/protobuf';
import { TaskErrorSchema, TaskEventType, TaskFailureReason, TaskState } from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';
import { timestampOf } from '../spec/durations.js';
import { encodeJobActions, jobOf, stopJob, type Job, type RunnerDeps } from './job.js';
import { prepareTask } from './new-task.js';
import { createReplicaTasks } from './replica-tasks.js';
import { startReplicaLease, type ReplicaLease } from './replica-lease.js';
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
  /**
   * This replica in the shared state: its id and heartbeat timeout. Unset: the
   * replica id is `local` and no lease is kept (one process, unit tests).
   */
  readonly replica?: { readonly id: string; readonly timeoutMs: number };
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
  /** Registers the replica's lease (first heartbeat, takeover of dead replicas' tasks) when `replica` is set. */
  start(): Promise<void>;
  /** Cancels what is queued or running here, waits for it to end, then gives up the lease. */
  close(): Promise<void>;
};

/** Creates the executor and registers it as this replica's cancel handler. */
export function createExecutor(opts: ExecutorOptions): Executor {
  const jobs = new Map<string, Job>();
  const me = opts.replica?.id ?? 'local';
  const leases = opts.store.leases;
  let lease: ReplicaLease | undefined;
  const scheduler = createScheduler(opts.concurrency, (n) => opts.metrics.queueLength.set(n));
  const release = (id: string): Promise<void> =>
    leases.release(me, id).catch((e: unknown) => opts.logger.warn({ err: e, task_id: id }, 'could not release a task'));
  /** Drops a queued job another replica took over (this replica's lease had lapsed). */
  const abandon = (job: Job): void => {
    jobs.delete(job.task.id);
    opts.metrics.tasks.child('QUEUED').dec();
    opts.logger.warn({ task_id: job.task.id }, 'task taken over by another replica; not running it here');
  };
  const enqueue = (job: Job): void => {
    const id = job.task.id;
    jobs.set(id, job);
    job.owned = () => leases.holds(me, id).catch(() => true);
    scheduler.submit({
      id,
      run: async () => {
        if (job.owned && !(await job.owned())) return abandon(job);
        job.task.queuePosition = 0;
        await runTask(job, opts).finally(() => {
          jobs.delete(id);
          if (job.stop?.kind !== 'lost') void release(id);
        });
      },
    });
  };
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
    await release(id);
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
      const job = jobOf(task, actions, opts.rng);
      jobs.set(task.id, job);
      task.queuePosition = scheduler.queueLength() + 1;
      await leases.hold(me, task.id, encodeJobActions(actions)).catch((e: unknown) => {
        jobs.delete(task.id);
        throw e;
      });
      await opts.store.putTask(task);
      opts.metrics.tasksTotal.child('QUEUED').inc();
      opts.metrics.tasks.child('QUEUED').inc();
      await opts.events.task(task, TaskEventType.QUEUED);
      enqueue(job);
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
    async start() {
      if (!opts.replica || lease) return;
      const owned = createReplicaTasks({ ...opts, replicaId: me, jobs, scheduler, enqueue, abandon, release });
      lease = await startReplicaLease({
        leases,
        replicaId: me,
        timeoutMs: opts.replica.timeoutMs,
        clock: opts.clock,
        logger: opts.logger,
        onLapsed: owned.dropTakenOver,
        onTakeOver: owned.takeOver,
      });
    },
    async close() {
      for (const job of jobs.values()) stopJob(job, { kind: 'cancel', message: 'cancelled: executor shutting down' });
      const left = await scheduler.drain();
      for (const r of left) await r.run().catch(() => undefined);
      await lease?.leave();
    },
  };
}
