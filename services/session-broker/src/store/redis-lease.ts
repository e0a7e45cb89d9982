/**
 * The reaper lease and the replica registry on Redis. The lease is a key set
 * with `PX` by its holder and renewed (by the same holder only) in a Lua
 * script, so exactly one replica reaps at a time and a dead holder's lease
 * lapses after its TTL. Replicas heartbeat a `PX` key each; an expired key
 * means the replica is gone.
 */
import type { Redis } from 'ioredis';
import type { Lease, ReplicaRegistry } from './port.js';

const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

/** A {@link Lease} stored at `key`. */
export function createRedisLease(redis: Redis, key: string): Lease {
  return {
    async tryAcquire(holder, ttlMs) {
      const res = await redis.eval(ACQUIRE, 1, key, holder, String(Math.max(1, Math.round(ttlMs))));
      return res === 1;
    },
    async release(holder) {
      await redis.eval(RELEASE, 1, key, holder);
    },
  };
}

/** A {@link ReplicaRegistry} with one `PX` key per replica under `prefix`. */
export function createRedisReplicas(redis: Redis, prefix: string): ReplicaRegistry {
  return {
    async heartbeat(id, ttlMs) {
      await redis.set(`${prefix}${id}`, '1', 'PX', Math.max(1, Math.round(ttlMs)));
    },
    async isAlive(id) {
      return (await redis.exists(`${prefix}${id}`)) === 1;
    },
    async leave(id) {
      await redis.del(`${prefix}${id}`);
    },
  };
}
