/**
 * The record store behind the operator in integration tests: its compiled
 * main (build first: `npx tsc -b`) as a process with an embedded PGlite
 * database in a temporary folder, consuming the test environment's Kafka
 * under a topic prefix of its own, with auth on (a bootstrap ADMIN key) and
 * a short seal grace so records are sealed within a second of a task's end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@connectrpc/connect';
import { RecordStore } from '@nightglow/contracts/records/v1';
import { createServiceClient, createTracing } from '@nightglow/runtime';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';

const RECORD_STORE_MAIN = fileURLToPath(new URL('../../../record-store/dist/main.js', import.meta.url));

/** A unique Kafka topic prefix, so test files never share topics or consumer groups. */
export function uniqueTopicPrefix(base: string): string {
  return `${base}${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

/** The environment that sends a service's events to Kafka `brokers` under `topicPrefix`. */
export function kafkaBusEnv(brokers: readonly string[], topicPrefix: string): Record<string, string> {
  return { EVENT_BUS: 'kafka', KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: topicPrefix };
}

/** A running record store process, its bootstrap ADMIN key and a client that sends it. */
export type TestRecordStore = {
  /** gRPC URL. */
  readonly url: string;
  /** The bootstrap ADMIN key (`ADMIN_API_KEY`). */
  readonly apiKey: string;
  readonly client: Client<typeof RecordStore>;
  readonly process: ServiceProcess;
  /** Stops it and removes its data folder; resolves with the exit code. */
  stop(): Promise<number | null>;
};

/** Starts the record store consuming Kafka `brokers` under `topicPrefix` (consumer group `<prefix>-records`). */
export async function startTestRecordStore(opts: {
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
}): Promise<TestRecordStore> {
  const dir = mkdtempSync(join(tmpdir(), 'ng-operator-records-'));
  const apiKey = `operator-test-admin-${randomBytes(12).toString('hex')}`;
  const proc = await startServiceProcess(
    RECORD_STORE_MAIN,
    {
      ...kafkaBusEnv(opts.brokers, opts.topicPrefix),
      CONSUMER_GROUP: `${opts.topicPrefix}-records`,
      PGLITE_DIR: join(dir, 'records'),
      ADMIN_API_KEY: apiKey,
      SEAL_GRACE: '500ms',
      SEAL_INTERVAL: '100ms',
    },
    { timeoutMs: 90_000 },
  );
  const url = `http://127.0.0.1:${proc.grpcPort}`;
  const client = createServiceClient(RecordStore, {
    baseUrl: url,
    tracing: createTracing({ serviceName: 'operator-test' }),
    interceptors: [
      (next) => (req) => {
        req.header.set('authorization', `Bearer ${apiKey}`);
        return next(req);
      },
    ],
  });
  return {
    url,
    apiKey,
    client,
    process: proc,
    async stop() {
      const code = await proc.stop(15_000);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
