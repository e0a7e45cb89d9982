/**
 * The state port: tasks, templates, idempotency keys, and the fan-out that
 * lets any replica answer WatchTask and CancelTask for a task another replica
 * runs. Two implementations: in memory (one process) and Redis (pub/sub).
 */
import type { Task, Template, WatchTaskResponse } from '@nightglow/contracts/executor/v1';

/** Stops a subscription. */
export type Unsubscribe = () => Promise<void>;

/** An unfinished task a replica holds, with the job payload a takeover needs to run it. */
export type HeldTask = {
  readonly taskId: string;
  /** The serialized real actions (secrets included); undefined when it was never stored. */
  readonly job: Uint8Array | undefined;
};

/**
 * Which replica holds which unfinished (QUEUED or RUNNING) task, and the
 * heartbeats that tell a live replica from a dead one, so that a surviving
 * replica takes over the tasks of a dead one exactly once.
 */
export type ReplicaLeases = {
  /**
   * Registers `replicaId` and renews its heartbeat for `ttlMs`. Resolves whether
   * the previous heartbeat was still alive (false on the first call, and when it
   * had lapsed: other replicas may have taken this replica's tasks).
   */
  heartbeat(replicaId: string, ttlMs: number): Promise<boolean>;
  /** Records that `replicaId` holds `taskId`; `job` (the real actions) is kept until the task is released. */
  hold(replicaId: string, taskId: string, job: Uint8Array): Promise<void>;
  /** Whether `replicaId` still holds `taskId` (false once another replica took it over). */
  holds(replicaId: string, taskId: string): Promise<boolean>;
  /** The task ended: forgets it and its job. */
  release(replicaId: string, taskId: string): Promise<void>;
  /** The tasks `replicaId` holds, with their jobs (a restarted replica of the same id finds its predecessor's). */
  held(replicaId: string): Promise<HeldTask[]>;
  /** Registered replicas whose heartbeat lapsed. */
  lapsed(): Promise<string[]>;
  /**
   * Atomically moves every task of lapsed replica `dead` to `to` and unregisters
   * `dead`: of several replicas calling this at once exactly one gets the tasks,
   * the others (and any call while `dead` is alive again) get `[]`.
   */
  takeOver(dead: string, to: string): Promise<HeldTask[]>;
  /** Unregisters `replicaId` (clean shutdown): its heartbeat and what it still holds are forgotten. */
  leave(replicaId: string): Promise<void>;
};

/** Where tasks and templates live. Every method may reject with an UNAVAILABLE ExecutorError. */
export type TaskStore = {
  /**
   * Creates or replaces a task; a terminal task is kept for the retention period, then
   * forgotten. A terminal task is never replaced: resolves false (nothing written) then.
   */
  putTask(task: Task): Promise<boolean>;
  /** One task, or undefined when unknown or past retention. */
  getTask(id: string): Promise<Task | undefined>;
  /** Every retained task, newest first. */
  listTasks(): Promise<Task[]>;
  /**
   * Claims `key` for `taskId` atomically; resolves undefined when claimed, or
   * the id of the task that already holds it (the same key never runs twice).
   */
  claimIdempotencyKey(key: string, taskId: string): Promise<string | undefined>;
  /** Sends a watch event of task `taskId` to every subscriber on every replica. */
  publish(taskId: string, event: WatchTaskResponse): Promise<void>;
  /** Receives the watch events of `taskId` published from now on. Resolves once subscribed. */
  subscribe(taskId: string, listener: (event: WatchTaskResponse) => void): Promise<Unsubscribe>;
  /** Asks whichever replica runs `taskId` to cancel it. */
  requestCancel(taskId: string, reason: string): Promise<void>;
  /** Registers the local handler of cancel requests (the replica's scheduler). */
  onCancelRequest(handler: (taskId: string, reason: string) => void): void;
  /** Creates or replaces a template. */
  putTemplate(template: Template): Promise<void>;
  getTemplate(name: string): Promise<Template | undefined>;
  /** Every template, ordered by name. */
  listTemplates(): Promise<Template[]>;
  /** Resolves whether it existed. */
  deleteTemplate(name: string): Promise<boolean>;
  /** Replica ownership of unfinished tasks (takeover of a dead replica's). */
  readonly leases: ReplicaLeases;
  /** Releases connections; pending subscriptions end. */
  close(): Promise<void>;
};
