/**
 * {@link ReplicaLeases} on Redis. Keys under `<prefix>:`:
 *
 * - `replicas` (set): every registered replica id;
 * - `replica:<id>` (string, PX): the replica's heartbeat, renewed every third of its TTL;
 * - `held:<id>` (set): ids of the unfinished tasks the replica holds;
 * - `job:<task id>` (binary, PX): the task's real actions, until it ends.
 *
 * A takeover is one Lua script: it refuses while the dead replica's heartbeat
 * exists, else moves its `held` set into the caller's and unregisters it, so
 * of several survivors exactly one gets each task.
 */
import type { Redis } from 'ioredis';
import type { HeldTask, ReplicaLeases } from './port.js';

const HEARTBEAT = `
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return existed`;

const TAKE_OVER = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {} end
if redis.call('SREM', KEYS[4], ARGV[1]) == 0 then return {} end
local ids = redis.call('SMEMBERS', KEYS[2])
for _, id in ipairs(ids) do redis.call('SADD', KEYS[3], id) end
redis.call('DEL', KEYS[2])
return ids`;

/** Options of {@link createRedisLeases}. */
export type RedisLeasesOptions = {
  readonly redis: Redis;
  /** Key prefix without the trailing colon. */
  readonly prefix: string;
  /** Longest a job payload is kept (a safety net: release deletes it). */
  readonly jobTtlMs: number;
  /** Maps a Redis failure to the store's UNAVAILABLE error. */
  readonly unavailable: (e: unknown) => never;
};

/** Creates the Redis replica leases over an existing connection. */
export function createRedisLeases(opts: RedisLeasesOptions): ReplicaLeases {
  const { redis, prefix: p, unavailable } = opts;
  const beat = (id: string): string => `${p}:replica:${id}`;
  const held = (id: string): string => `${p}:held:${id}`;
  const job = (taskId: string): string => `${p}:job:${taskId}`;
  return {
    async heartbeat(id, ttlMs) {
      const existed = await redis.eval(HEARTBEAT, 2, beat(id), `${p}:replicas`, String(ttlMs), id).catch(unavailable);
      return existed === 1;
    },
    async hold(id, taskId, payload) {
      await redis
        .multi()
        .set(job(taskId), Buffer.from(payload), 'PX', opts.jobTtlMs)
        .sadd(held(id), taskId)
        .exec()
        .catch(unavailable);
    },
    holds: async (id, taskId) => (await redis.sismember(held(id), taskId).catch(unavailable)) === 1,
    async release(id, taskId) {
      await redis.multi().srem(held(id), taskId).del(job(taskId)).exec().catch(unavailable);
    },
    async held(id) {
      const ids = await redis.smembers(held(id)).catch(unavailable);
      if (ids.length === 0) return [];
      const payloads = await redis.mgetBuffer(...ids.map(job)).catch(unavailable);
      return ids.map((taskId, i): HeldTask => ({ taskId, job: payloads[i] ?? undefined }));
    },
    async lapsed() {
      const ids = await redis.smembers(`${p}:replicas`).catch(unavailable);
      if (ids.length === 0) return [];
      const live = await Promise.all(ids.map((id) => redis.exists(beat(id)))).catch(unavailable);
      return ids.filter((_, i) => live[i] === 0);
    },
    async takeOver(dead, to) {
      const ids = (await redis
        .eval(TAKE_OVER, 4, beat(dead), held(dead), held(to), `${p}:replicas`, dead)
        .catch(unavailable)) as string[];
      if (ids.length === 0) return [];
      const payloads = await redis.mgetBuffer(...ids.map(job)).catch(unavailable);
      return ids.map((taskId, i): HeldTask => ({ taskId, job: payloads[i] ?? undefined }));
    },
    async leave(id) {
      const ids = await redis.smembers(held(id)).catch(unavailable);
      const m = redis.multi().del(beat(id), held(id)).srem(`${p}:replicas`, id);
      for (const t of ids) m.del(job(t));
      await m.exec().catch(unavailable);
    },
  };
}
