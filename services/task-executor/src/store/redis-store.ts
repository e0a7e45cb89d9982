/**
 * The Redis {@link TaskStore}, shared by every replica. Tasks and templates
 * are binary protobuf; a sorted set orders tasks by creation; idempotency
 * keys are claimed with `SET NX`; watch events and cancel requests travel over
 * pub/sub, so any replica answers GetTask/WatchTask/CancelTask for a task
 * another replica runs; a task that ended is never overwritten. Replica
 * heartbeats and task ownership live here too (`redis-leases.ts`). Keys live
 * under `<prefix>:` (default `nightglow:executor`).
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { Redis } from 'ioredis';
import {
  TaskSchema,
  TemplateSchema,
  WatchTaskResponseSchema,
  type WatchTaskResponse,
} from '@nightglow/contracts/executor/v1';
import type { Logger } from '@nightglow/runtime';
import { ExecutorError } from '../errors.js';
import { isTerminal } from '../run/task-state.js';
import { timestampMs } from '../spec/durations.js';
import type { TaskStore } from './port.js';
import { createRedisLeases } from './redis-leases.js';

/** Options of {@link createRedisStore}. */
export type RedisStoreOptions = {
  readonly url: string;
  readonly logger: Logger;
  /** Key prefix. Default `nightglow:executor`. */
  readonly prefix?: string;
  /** How long a finished task is kept. Default 24 h. */
  readonly retentionMs?: number;
};

/**
 * Writes a task unless it already ended (a `final:<id>` marker lives as long as
 * the terminal task): terminal states never change, whichever replica writes.
 */
const PUT_TASK = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if ARGV[2] == '1' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
return 1`;

const unavailable = (e: unknown): never => {
  throw new ExecutorError('UNAVAILABLE', `state store unavailable: ${(e as Error).message}`, { cause: e });
};

/** Connects to Redis and resolves the store once both connections are up. */
export async function createRedisStore(opts: RedisStoreOptions): Promise<TaskStore> {
  const p = opts.prefix ?? 'nightglow:executor';
  const retentionMs = opts.retentionMs ?? 24 * 3_600_000;
  const redis = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const sub = new Redis(opts.url, { lazyConnect: true });
  for (const c of [redis, sub]) c.on('error', (e: Error) => opts.logger.warn({ err: e }, 'redis connection error'));
  await Promise.all([redis.connect(), sub.connect()]).catch(unavailable);
  const listeners = new Map<string, Set<(e: WatchTaskResponse) => void>>();
  let cancelHandler: (id: string, reason: string) => void = () => undefined;
  const cancelChannel = `${p}:cancel`;
  await sub.subscribe(cancelChannel);
  sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
    const ch = channel.toString();
    if (ch === cancelChannel) {
      const { id, reason } = JSON.parse(message.toString()) as { id: string; reason: string };
      return cancelHandler(id, reason);
    }
    const set = listeners.get(ch);
    if (!set) return;
    const event = fromBinary(WatchTaskResponseSchema, message);
    for (const l of [...set]) l(event);
  });
  const taskKey = (id: string): string => `${p}:task:${id}`;

  return {
    async putTask(task) {
      const written = await redis
        .eval(
          PUT_TASK,
          3,
          taskKey(task.id),
          `${p}:final:${task.id}`,
          `${p}:tasks`,
          Buffer.from(toBinary(TaskSchema, task)),
          isTerminal(task.state) ? '1' : '0',
          String(retentionMs),
          String(timestampMs(task.createTime)),
          task.id,
        )
        .catch(unavailable);
      return written === 1;
    },
    async getTask(id) {
      const b = await redis.getBuffer(taskKey(id)).catch(unavailable);
      return b ? fromBinary(TaskSchema, b) : undefined;
    },
    async listTasks() {
      const ids = await redis.zrevrange(`${p}:tasks`, 0, -1).catch(unavailable);
      if (ids.length === 0) return [];
      const bufs = await redis.mgetBuffer(...ids.map(taskKey)).catch(unavailable);
      const gone = ids.filter((_, i) => !bufs[i]);
      if (gone.length > 0) await redis.zrem(`${p}:tasks`, ...gone).catch(unavailable);
      return bufs.flatMap((b) => (b ? [fromBinary(TaskSchema, b)] : []));
    },
    async claimIdempotencyKey(key, taskId) {
      const k = `${p}:idem:${key}`;
      const ok = await redis.set(k, taskId, 'PX', retentionMs + 3_600_000, 'NX').catch(unavailable);
      return ok === 'OK' ? undefined : ((await redis.get(k).catch(unavailable)) ?? undefined);
    },
    async publish(taskId, event) {
      await redis
        .publish(`${p}:events:${taskId}`, Buffer.from(toBinary(WatchTaskResponseSchema, event)))
        .catch(unavailable);
    },
    async subscribe(taskId, listener) {
      const ch = `${p}:events:${taskId}`;
      let set = listeners.get(ch);
      if (!set) {
        listeners.set(ch, (set = new Set()));
        await sub.subscribe(ch).catch(unavailable);
      }
      set.add(listener);
      return async () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(ch) === set) {
          listeners.delete(ch);
          await sub.unsubscribe(ch).catch(() => undefined);
        }
      };
    },
    async requestCancel(id, reason) {
      await redis.publish(cancelChannel, JSON.stringify({ id, reason })).catch(unavailable);
    },
    onCancelRequest: (h) => void (cancelHandler = h),
    async putTemplate(t) {
      await redis.hset(`${p}:templates`, t.name, Buffer.from(toBinary(TemplateSchema, t))).catch(unavailable);
    },
    async getTemplate(name) {
      const b = await redis.hgetBuffer(`${p}:templates`, name).catch(unavailable);
      return b ? fromBinary(TemplateSchema, b) : undefined;
    },
    async listTemplates() {
      const all = await redis.hgetallBuffer(`${p}:templates`).catch(unavailable);
      return Object.keys(all)
        .sort()
        .flatMap((k) => {
          const b = all[k];
          return b ? [fromBinary(TemplateSchema, b)] : [];
        });
    },
    leases: createRedisLeases({ redis, prefix: p, jobTtlMs: retentionMs + 3_600_000, unavailable }),
    deleteTemplate: async (name) => (await redis.hdel(`${p}:templates`, name).catch(unavailable)) > 0,
    async close() {
      listeners.clear();
      await Promise.all([redis.quit().catch(() => redis.disconnect()), sub.quit().catch(() => sub.disconnect())]);
    },
  };
}
