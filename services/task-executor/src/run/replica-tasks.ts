/**
 * What this replica does with task ownership changes: it runs the queued
 * tasks of a dead replica itself (their real actions come from the lease's
 * job payload), ends the ones that were running FAILED with a reason naming
 * the dead replica, and, when its own lease had lapsed, lets go of the local
 * tasks another replica took over meanwhile.
 */
import { TaskState } from '@nightglow/contracts/executor/v1';
import { decodeJobActions, jobOf, stopJob, type Job, type RunnerDeps } from './job.js';
import type { Scheduler } from './scheduler.js';
import { failLostTask, lostMessage } from './takeover.js';
import { isTerminal } from './task-state.js';
import type { HeldTask } from '../store/port.js';

/** What {@link createReplicaTasks} needs from the executor. */
export type ReplicaTasksDeps = RunnerDeps & {
  readonly replicaId: string;
  /** The tasks queued or running on this replica, by id. */
  readonly jobs: ReadonlyMap<string, Job>;
  readonly scheduler: Scheduler;
  /** Queues a job here. */
  enqueue(job: Job): void;
  /** Forgets a queued job this replica no longer holds. */
  abandon(job: Job): void;
  /** Releases this replica's hold on a task. */
  release(taskId: string): Promise<void>;
};

/** The two reactions, for the replica lease. */
export type ReplicaTasks = {
  takeOver(dead: string, tasks: readonly HeldTask[]): Promise<void>;
  dropTakenOver(): Promise<void>;
};

/** Creates the reactions over the executor's internals. */
export function createReplicaTasks(deps: ReplicaTasksDeps): ReplicaTasks {
  const { store, logger, metrics } = deps;
  const takeOne = async (dead: string, held: HeldTask): Promise<void> => {
    const task = await store.getTask(held.taskId);
    if (!task || isTerminal(task.state)) return deps.release(held.taskId);
    if (task.state === TaskState.QUEUED && held.job) {
      task.queuePosition = deps.scheduler.queueLength() + 1;
      metrics.tasks.child('QUEUED').inc();
      metrics.takeovers.child('requeued').inc();
      logger.info({ task_id: task.id, dead_replica: dead }, 'running a queued task of a dead replica');
      return deps.enqueue(jobOf(task, decodeJobActions(held.job), deps.rng));
    }
    const message = lostMessage(dead, task.state === TaskState.RUNNING);
    if (await failLostTask(task, message, deps)) metrics.takeovers.child('failed').inc();
    logger.warn({ task_id: task.id, dead_replica: dead }, message);
    await deps.release(task.id);
  };
  return {
    async takeOver(dead, tasks) {
      for (const held of tasks) {
        await takeOne(dead, held).catch((e: unknown) =>
          logger.error({ err: e, task_id: held.taskId, dead_replica: dead }, 'could not take over a task'),
        );
      }
    },
    async dropTakenOver() {
      for (const [id, job] of [...deps.jobs]) {
        if (await store.leases.holds(deps.replicaId, id)) continue;
        if (deps.scheduler.withdraw(id)) deps.abandon(job);
        else stopJob(job, { kind: 'lost', message: 'another executor replica took the task over' });
      }
    },
  };
}
