/**
 * The Redis state backend (ioredis), shared by broker replicas. Keys, under a
 * prefix (default `nightglow:broker:`):
 *
 * | key | type | holds |
 * |---|---|---|
 * | `s:<id>` | hash `v`, `d` | version and JSON record of a session |
 * | `sessions` | sorted set | session ids scored by create time |
 * | `req:<request id>` | string | session id of an idempotency key |
 * | `secret` | string | the token HMAC secret, created once by the first replica |
 * | `lease:<name>` | string (PX) | the holder of a lease (the reaper) |
 * | `replica:<id>` | string (PX) | a live replica's heartbeat |
 * | `events` | pub/sub channel | every session change, as JSON |
 *
 * Pool-wide seats and queues: `redis-seats.ts`.
 *
 * Writes are compare-and-set on `v` in a Lua script, so replicas never lose a write.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BrokerError } from '../errors.js';
import type { SessionRecord } from '../sessions/record.js';
import type { SessionChange, SessionStore, StateBackend } from './port.js';
import { createRedisLease, createRedisReplicas } from './redis-lease.js';
import { createRedisSeats, seatsChannel } from './redis-seats.js';

const INSERT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if ARGV[4] ~= '' then
  if not redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[6]) then return -1 end
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return 1`;

const CAS = `
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3])
return 1`;

const REMOVE = `
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return 1`;

/** Options of {@link createRedisBackend}. */
export type RedisBackendOptions = {
  readonly url: string;
  /** Key and channel prefix. Default `nightglow:broker:`. */
  readonly keyPrefix?: string;
  /** Where a listener's exception or a bad pub/sub message is reported. */
  readonly onError?: (error: unknown) => void;
};

type Scripts = {
  ngInsert(...args: (string | number)[]): Promise<number>;
  ngCas(...args: (string | number)[]): Promise<number>;
  ngRemove(...args: (string | number)[]): Promise<number>;
};

const REQUEST_KEY_TTL_MS = 24 * 3_600_000;

type Connections = {
  readonly redis: Redis & Scripts;
  readonly sub: Redis;
  readonly prefix: string;
  readonly onError: (e: unknown) => void;
};

function createRedisSessions({ redis, sub, prefix, onError }: Connections): SessionStore {
  const key = (id: string): string => `${prefix}s:${id}`;
  const index = `${prefix}sessions`;
  const reqKey = (requestId: string): string => `${prefix}req:${requestId === '' ? '-' : requestId}`;
  const channel = `${prefix}events`;
  const listeners = new Set<(change: SessionChange) => void>();
  sub.on('message', (ch: string, text: string) => {
    if (ch !== channel) return;
    let change: SessionChange;
    try {
      change = JSON.parse(text) as SessionChange;
    } catch (e) {
      return onError(e);
    }
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (e) {
        onError(e);
      }
    }
  });
  const read = async (id: string): Promise<SessionRecord | undefined> => {
    const d = await redis.hget(key(id), 'd');
    return d === null ? undefined : (JSON.parse(d) as SessionRecord);
  };
  return {
    async insert(r) {
      const args = [r.id, String(r.version), JSON.stringify(r), r.requestId, r.createTimeMs, REQUEST_KEY_TTL_MS];
      const res = await redis.ngInsert(3, key(r.id), index, reqKey(r.requestId), ...args);
      if (res === 0) throw new BrokerError('ALREADY_EXISTS', `session ${r.id} exists`);
      if (res === -1) throw new BrokerError('ALREADY_EXISTS', `request ${r.requestId} already created a session`);
    },
    get: read,
    async findByRequestId(requestId) {
      const id = await redis.get(reqKey(requestId));
      return id === null ? undefined : read(id);
    },
    async list() {
      const ids = await redis.zrange(index, 0, -1);
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hget(key(id), 'd');
      const results = (await pipeline.exec()) ?? [];
      const out: SessionRecord[] = [];
      const gone: string[] = [];
      results.forEach(([err, value], i) => {
        if (err === null && typeof value === 'string') out.push(JSON.parse(value) as SessionRecord);
        else gone.push(ids[i] ?? '');
      });
      if (gone.length > 0) await redis.zrem(index, ...gone);
      return out;
    },
    async update(id, mutate) {
      for (let attempt = 0; attempt < 50; attempt++) {
        const before = await read(id);
        if (before === undefined) return undefined;
        const next = mutate(before);
        if (next === undefined) return { before, after: before, changed: false };
        const after = { ...next, version: before.version + 1 };
        const res = await redis.ngCas(1, key(id), String(before.version), String(after.version), JSON.stringify(after));
        if (res === 1) return { before, after, changed: true };
        if (res === -1) return undefined;
      }
      throw new BrokerError('CONFLICT', `session ${id} is being changed concurrently; try again`);
    },
    async remove(id) {
      const r = await read(id);
      await redis.ngRemove(3, key(id), index, reqKey(r?.requestId ?? ''), id);
    },
    async publish(change) {
      await redis.publish(channel, JSON.stringify(change));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async tokenSecret() {
      await redis.set(`${prefix}secret`, randomBytes(32).toString('hex'), 'NX');
      const hex = await redis.get(`${prefix}secret`);
      if (hex === null) throw new BrokerError('UNAVAILABLE', 'token secret vanished from Redis');
      return Buffer.from(hex, 'hex');
    },
    close: () => Promise.resolve(),
  };
}

/** Connects to Redis (two connections: commands and pub/sub) and returns the backend once subscribed. */
export async function createRedisBackend(options: RedisBackendOptions): Promise<StateBackend> {
  const prefix = options.keyPrefix ?? 'nightglow:broker:';
  const onError = options.onError ?? (() => undefined);
  const { Redis: RedisClient } = await import('ioredis'); // loaded only when Redis is configured
  const redis = new RedisClient(options.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', onError);
  redis.defineCommand('ngInsert', { lua: INSERT });
  redis.defineCommand('ngCas', { lua: CAS });
  redis.defineCommand('ngRemove', { lua: REMOVE });
  const sub = redis.duplicate();
  sub.on('error', onError);
  try {
    await redis.connect();
    await sub.connect();
    await sub.subscribe(`${prefix}events`, seatsChannel(prefix));
  } catch (e) {
    redis.disconnect();
    sub.disconnect();
    throw new BrokerError('UNAVAILABLE', `cannot reach Redis: ${(e as Error).message}`, { cause: e });
  }
  return {
    kind: 'redis',
    sessions: createRedisSessions({ redis: redis as Redis & Scripts, sub, prefix, onError }),
    lease: createRedisLease(redis, `${prefix}lease:reaper`),
    replicas: createRedisReplicas(redis, `${prefix}replica:`),
    seats: createRedisSeats({ redis, sub, prefix, replicaKeyPrefix: `${prefix}replica:` }),
    async close() {
      await Promise.allSettled([sub.quit(), redis.quit()]);
    },
  };
}
