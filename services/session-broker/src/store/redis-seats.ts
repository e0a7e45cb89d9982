/**
 * The Redis {@link SeatLedger}: pool-wide seats and FIFO queues shared by
 * broker replicas, changed only by Lua scripts (so an admission is one atomic
 * step however many replicas race). Keys, under the backend's prefix:
 *
 * | key | type | holds |
 * |---|---|---|
 * | `seats:<pool>` | hash | seat holder (session id) → replica id |
 * | `queue:<pool>` | sorted set | waiting session ids, scored by arrival |
 * | `queued-by:<pool>` | hash | waiting session id → replica id |
 * | `queue-seq:<pool>` | string | arrival counter of the queue |
 * | `seats` | pub/sub channel | a pool's name whenever a seat or a place in its queue was freed |
 *
 * Liveness is the replica registry's heartbeat key (`replica:<id>`): a sweep
 * frees the entries of replicas whose key expired.
 */
import type { Redis } from 'ioredis';
import type { SeatAdmission, SeatFigures, SeatLedger } from './port.js';

const ADMIT = `
local id, replica = ARGV[1], ARGV[2]
local max, maxQueued, mayQueue = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1'
local qlen = redis.call('ZCARD', KEYS[2])
if redis.call('HEXISTS', KEYS[1], id) == 1 then return {1, 0, qlen} end
local free = max - redis.call('HLEN', KEYS[1])
local rank = redis.call('ZRANK', KEYS[2], id)
if rank then
  if rank < free then
    redis.call('ZREM', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HSET', KEYS[1], id, replica)
    return {1, 0, qlen - 1}
  end
  return {0, rank + 1, qlen}
end
if free > qlen then
  redis.call('HSET', KEYS[1], id, replica)
  return {1, 0, qlen}
end
if not mayQueue then return {-1, 0, qlen} end
if qlen >= maxQueued then return {-2, 0, qlen} end
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), id)
redis.call('HSET', KEYS[3], id, replica)
return {0, qlen + 1, qlen + 1}`;

const RELEASE = `
local n = redis.call('HDEL', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if n > 0 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return n`;

const SWEEP = `
local me, replicaPrefix = ARGV[1], ARGV[2]
local known, alive = {}, {}
for i = 5, #ARGV do known[ARGV[i]] = true end
alive[me] = true
local function stale(id, owner)
  if owner == me then return not known[id] end
  if alive[owner] == nil then alive[owner] = redis.call('EXISTS', replicaPrefix .. owner) == 1 end
  return not alive[owner]
end
local freed = 0
local seats = redis.call('HGETALL', KEYS[1])
for i = 1, #seats, 2 do
  if stale(seats[i], seats[i + 1]) then freed = freed + redis.call('HDEL', KEYS[1], seats[i]) end
end
local waiting = redis.call('HGETALL', KEYS[3])
for i = 1, #waiting, 2 do
  if stale(waiting[i], waiting[i + 1]) then
    redis.call('HDEL', KEYS[3], waiting[i])
    freed = freed + redis.call('ZREM', KEYS[2], waiting[i])
  end
end
if freed > 0 then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return {redis.call('HLEN', KEYS[1]), redis.call('ZCARD', KEYS[2])}`;

type Scripts = {
  ngSeatAdmit(...args: (string | number)[]): Promise<[number, number, number]>;
  ngSeatRelease(...args: (string | number)[]): Promise<number>;
  ngSeatSweep(...args: (string | number)[]): Promise<[number, number]>;
};

/** Options of {@link createRedisSeats}. */
export type RedisSeatsOptions = {
  /** The command connection. */
  readonly redis: Redis;
  /** The subscriber connection (this ledger subscribes to its channel on it). */
  readonly sub: Redis;
  /** The backend's key prefix. */
  readonly prefix: string;
  /** Where the registry keeps heartbeats (`<prefix>replica:`). */
  readonly replicaKeyPrefix: string;
};

/** The channel the ledger announces freed seats on. */
export const seatsChannel = (prefix: string): string => `${prefix}seats`;

/** Creates the ledger; the caller subscribes `sub` to {@link seatsChannel} before use. */
export function createRedisSeats(o: RedisSeatsOptions): SeatLedger {
  const redis = o.redis as Redis & Scripts;
  redis.defineCommand('ngSeatAdmit', { lua: ADMIT, numberOfKeys: 4 });
  redis.defineCommand('ngSeatRelease', { lua: RELEASE, numberOfKeys: 3 });
  redis.defineCommand('ngSeatSweep', { lua: SWEEP, numberOfKeys: 3 });
  const channel = seatsChannel(o.prefix);
  const keys = (pool: string): [string, string, string] => [
    `${o.prefix}seats:${pool}`,
    `${o.prefix}queue:${pool}`,
    `${o.prefix}queued-by:${pool}`,
  ];
  const listeners = new Set<(pool: string) => void>();
  o.sub.on('message', (ch: string, pool: string) => {
    if (ch === channel) for (const l of [...listeners]) l(pool);
  });
  return {
    async admit(r) {
      const [seats, queue, queuedBy] = keys(r.pool);
      const seq = `${o.prefix}queue-seq:${r.pool}`;
      const args = [r.id, r.replicaId, r.maxSeats, r.maxQueued, r.mayQueue ? '1' : '0'];
      const [code, position, queueLength] = await redis.ngSeatAdmit(seats, queue, queuedBy, seq, ...args);
      const outcomes: Readonly<Record<number, SeatAdmission>> = {
        1: { kind: 'granted', queueLength },
        0: { kind: 'queued', position, queueLength },
        [-1]: { kind: 'refused', reason: 'NO_WAIT', queueLength },
        [-2]: { kind: 'refused', reason: 'QUEUE_FULL', queueLength },
      };
      const outcome = outcomes[code];
      if (outcome === undefined) throw new Error(`unexpected seat admission answer ${code}`);
      return outcome;
    },
    async release(pool, id) {
      await redis.ngSeatRelease(...keys(pool), id, channel, pool);
    },
    async sweep(pool, replicaId, known) {
      const [inUse, queued] = await redis.ngSeatSweep(
        ...keys(pool),
        replicaId,
        o.replicaKeyPrefix,
        channel,
        pool,
        ...known,
      );
      return { inUse, queued };
    },
    async figures(pool): Promise<SeatFigures> {
      const [seats, queue] = keys(pool);
      const [inUse, queued] = await Promise.all([redis.hlen(seats), redis.zcard(queue)]);
      return { inUse, queued };
    },
    onFreed(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
