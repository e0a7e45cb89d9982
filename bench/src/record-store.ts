/**
 * Benchmark `record-store`: sustained ingest Kafka → PostgreSQL through the
 * record store process (target >= 30,000 events/s; baseline: the same rows
 * written straight into PostgreSQL with plain multi-row INSERTs in the same
 * run), WatchEvents lag p99 of a live subscriber tailing one session of 64
 * while ingesting (target < 1 s; lag = delivery time − the event's ingest
 * time, which is taken before the write, so the write is included), and ListTaskRecords p99 over native gRPC
 * with 1,000,000 records (target < 50 ms; baseline: the same SQL straight on
 * PostgreSQL).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { createKafkaBus } from '@nightglow/bus';
import { RecordStore } from '@nightglow/contracts/records/v1';
import { RECORD_STORE_NODE_OPTIONS } from '@nightglow/record-store';
import { TaskState } from '@nightglow/contracts/executor/v1';
import { scrapeMetric, startServiceProcess } from '@nightglow/runtime/testing';
import { createDatabase, startKafka, startPostgres } from '@nightglow/testenv';
import pg from 'pg';
import { baselineInsert, generateRecords, measurementEnvelopes } from './record-store-load.js';
import { report } from './report.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Runs the benchmark; resolves whether every target was met. */
export async function recordStoreBench(opts: { events?: number; records?: number } = {}): Promise<boolean> {
  const total = opts.events ?? 300_000;
  const [postgres, kafka] = await Promise.all([startPostgres(), startKafka()]);
  try {
    const envelopes = measurementEnvelopes(total, Date.now());
    const baselineRate = await baselineInsert(await createDatabase(postgres.url, 'baseline'), envelopes);
    const url = await createDatabase(postgres.url, 'records');
    const store = await startServiceProcess(
      join(repo, 'services/record-store/dist/main.js'),
      {
        EVENT_BUS: 'kafka',
        KAFKA_BROKERS: kafka.brokers.join(','),
        DATABASE_URL: url,
        AUTH_DISABLED: 'true',
        NODE_OPTIONS: RECORD_STORE_NODE_OPTIONS, // as its image runs it
      },
      { timeoutMs: 60_000 },
    );
    const db = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const client = createClient(RecordStore, createGrpcTransport({ baseUrl: `http://127.0.0.1:${store.grpcPort}` }));
      const lags: number[] = [];
      const abort = new AbortController();
      const watching = (async () => {
        for await (const m of client.watchEvents({ sessionId: 'session-7' }, { signal: abort.signal })) {
          if (m.event?.ingestTime) lags.push(Date.now() - timestampMs(m.event.ingestTime));
        }
      })().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const producer = createKafkaBus({ brokers: kafka.brokers, clientId: 'bench', droppableTopics: [] });
      await producer.start();
      for (let i = 0; i < total; i += 5000) await producer.publish(envelopes.slice(i, i + 5000));
      await producer.flush();
      await producer.close();
      // progress from the store's own counter: a count(*) every 100 ms would load the server being measured
      const count = (): Promise<number> => scrapeMetric(store.httpPort, 'nightglow_records_ingested_total');
      let first: { t: number; n: number } | undefined;
      let last = { t: performance.now(), n: 0 };
      const deadline = Date.now() + 300_000;
      while (last.n < total && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        last = { t: performance.now(), n: await count() };
        if (!first && last.n > 0) first = last;
      }
      if (last.n < total) throw new Error(`only ${last.n} of ${total} events ingested`);
      const stored = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]?.n);
      if (stored !== total) throw new Error(`${stored} events stored, ${total} sent`);
      const ours = first ? (last.n - first.n) / ((last.t - first.t) / 1000) : 0;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      abort.abort();
      await watching;
      console.log(`ingested ${total} events; the session-7 watcher saw ${lags.length} of ${total / 64}`);

      const records = opts.records ?? 1_000_000;
      await generateRecords(url, records);
      const cases = [
        {},
        { pool: 'pool-3' },
        { labelSelector: 'team=team-7' },
        { states: [TaskState.FAILED] },
        { labelSelector: 'env=prod,team in (team-2,team-4)', pool: 'pool-2' },
      ];
      const ourMs: number[] = [];
      for (let i = 0; i < 40; i++) await client.listTaskRecords(cases[i % cases.length] ?? {});
      const byCase = cases.map(() => [] as number[]);
      for (let i = 0; i < 500; i++) {
        const t = performance.now();
        const page = await client.listTaskRecords(cases[i % cases.length] ?? {});
        ourMs.push(performance.now() - t);
        byCase[i % cases.length]?.push(performance.now() - t);
        if (i % 5 === 0 && page.nextPageToken) {
          const t2 = performance.now();
          await client.listTaskRecords({ pageToken: page.nextPageToken });
          ourMs.push(performance.now() - t2);
        }
      }
      cases.forEach((c, i) =>
        console.log(
          `ListTaskRecords ${JSON.stringify(c)}: p50 ${pct(byCase[i] ?? [], 50).toFixed(1)} ms, p99 ${pct(byCase[i] ?? [], 99).toFixed(1)} ms`,
        ),
      );
      const rawMs: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t = performance.now();
        await db.query('SELECT id, create_time, record FROM task_records ORDER BY create_time DESC, id DESC LIMIT 51');
        rawMs.push(performance.now() - t);
      }
      return report('record-store', [
        {
          metric: 'sustained ingest Kafka → PostgreSQL',
          unit: 'events/s',
          ours,
          baseline: baselineRate,
          target: '>= 30000 events/s',
          higherIsBetter: true,
          targetValue: 30_000,
        },
        {
          metric: 'WatchEvents lag p99 while ingesting (one session)',
          unit: 'ms',
          ours: pct(lags, 99),
          baseline: null,
          target: '< 1000 ms',
          higherIsBetter: false,
          targetValue: 1000,
        },
        {
          metric: 'WatchEvents lag p50 while ingesting (one session)',
          unit: 'ms',
          ours: pct(lags, 50),
          baseline: null,
          target: 'reported',
          higherIsBetter: false,
        },
        {
          metric: `ListTaskRecords p99 (${records} records, gRPC)`,
          unit: 'ms',
          ours: pct(ourMs, 99),
          baseline: pct(rawMs, 99),
          target: '< 50 ms',
          higherIsBetter: false,
          targetValue: 50,
        },
        {
          metric: 'ListTaskRecords p50',
          unit: 'ms',
          ours: pct(ourMs, 50),
          baseline: pct(rawMs, 50),
          target: 'reported',
          higherIsBetter: false,
        },
      ]);
    } finally {
      await db.end();
      await store.stop();
    }
  } finally {
    await Promise.all([postgres.stop(), kafka.stop()]);
  }
}
