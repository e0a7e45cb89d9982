/**
 * The state port: tasks, templates, idempotency keys, and the fan-out that
 * lets any replica answer WatchTask and CancelTask for a task another replica
 * runs. Two implementations: in memory (one process) and Redis (pub/sub).
 */
import type { Task, Template, WatchTaskResponse } from '@nightglow/contracts/executor/v1';

/** Stops a subscription. */
export type Unsubscribe = () => Promise<void>;

/** Where tasks and templates live. Every method may reject with an UNAVAILABLE ExecutorError. */
export type TaskStore = {
  /** Creates or replaces a task; a terminal task is kept for the retention period, then forgotten. */
  putTask(task: Task): Promise<void>;
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
  /** Releases connections; pending subscriptions end. */
  close(): Promise<void>;
};
