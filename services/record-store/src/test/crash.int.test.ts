/**
 * Exactly once in effect: a producer sends 100,000 events with known ids to
 * real Kafka; the record store (its compiled main, a real process) is killed
 * with SIGKILL twice mid-ingest and restarted; afterwards every id is stored
 * exactly once in PostgreSQL.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createKafkaBus } from '@nightglow/bus';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { useTestEnv } from '@nightglow/testenv';
import { measurement } from './signal-fixtures.js';
import { freshDatabase, uniquePrefix } from './pg-support.js';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const TOTAL = 100_000;

describe('record store crash safety', () => {
  const procs: ServiceProcess[] = [];
  let db: pg.Pool | undefined;
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.stop(2000);
    await db?.end();
  });

  it('stores each of 100,000 events exactly once across two SIGKILLs mid-ingest', { timeout: 200_000 }, async () => {
    const env = useTestEnv();
    const url = await freshDatabase(env.postgres.url);
    db = new pg.Pool({ connectionString: url, max: 2 });
    const prefix = uniquePrefix('rsc');
    const processEnv = {
      EVENT_BUS: 'kafka',
      KAFKA_BROKERS: env.kafka.brokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      DATABASE_URL: url,
      AUTH_DISABLED: 'true',
      CONSUMER_SESSION_TIMEOUT: '6s',
    };
    const start = async () => {
      const p = await startServiceProcess(main, processEnv, { timeoutMs: 60_000 });
      procs.push(p);
      return p;
    };
    const stored = async () =>
      Number((await db!.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]?.n);
    const waitStored = async (n: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while ((await stored()) < n) {
        if (Date.now() > deadline) throw new Error(`only ${await stored()} of ${n} events stored in time`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const kill = async (p: ServiceProcess) => {
      p.child.kill('SIGKILL');
      expect(await p.exited).toBeNull();
    };

    let p = await start();
    const producer = createKafkaBus({ brokers: env.kafka.brokers, topicPrefix: prefix, droppableTopics: [] });
    await producer.start();
    const ids: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < TOTAL; i += 1000) {
      const batch = Array.from({ length: 1000 }, (_, j) =>
        measurement({ metric: 'lcp', value: i + j, timeMs: t0, sessionId: `s-${(i + j) % 64}` }),
      );
      ids.push(...batch.map((e) => e.eventId));
      await producer.publish(batch);
    }
    await producer.flush();
    await producer.close();

    await waitStored(10_000, 60_000);
    const firstKill = await stored();
    await kill(p);
    p = await start();
    await waitStored(firstKill + 20_000, 90_000);
    const secondKill = await stored();
    await kill(p);
    expect(secondKill).toBeLessThan(TOTAL);
    p = await start();
    await waitStored(TOTAL, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const r = await db.query<{ n: number; d: number; known: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d,
              count(*) FILTER (WHERE event_id = ANY($1::uuid[]))::int AS known FROM events`,
      [ids],
    );
    expect(r.rows[0]).toEqual({ n: TOTAL, d: TOTAL, known: TOTAL });
    expect(Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM measurements')).rows[0]?.n)).toBe(
      TOTAL,
    );
    expect(firstKill).toBeLessThan(secondKill);
    await p.stop();
  });
});
