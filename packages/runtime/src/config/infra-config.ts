/**
 * Readers for the infrastructure settings several services share, so each
 * variable means the same everywhere:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `EVENT_BUS` | `memory` | `memory` (in-process, all-in-one) or `kafka` |
 * | `KAFKA_BROKERS` | (required with kafka) | comma-separated `host:port` list |
 * | `KAFKA_CLIENT_ID` | service name | Kafka client id |
 * | `KAFKA_TOPIC_PREFIX` | `nightglow` | topics are `<prefix>.sessions`, `<prefix>.measurements`, … |
 * | `STATE_STORE` | `memory` | `memory` or `redis` (shared state across replicas) |
 * | `REDIS_URL` | (required with redis) | `redis://` or `rediss://` URL |
 */
import type { EnvReader } from './env-reader.js';

/** Where events go: in-process or Kafka. */
export type EventBusConfig =
  | { readonly kind: 'memory'; readonly topicPrefix: string }
  | {
      readonly kind: 'kafka';
      readonly brokers: readonly string[];
      readonly clientId: string;
      readonly topicPrefix: string;
    };

/** Where shared state lives: in memory or Redis. */
export type StateStoreConfig = { readonly kind: 'memory' } | { readonly kind: 'redis'; readonly url: string };

const HOST_PORT = /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/;

/** Reads `EVENT_BUS` and, for kafka, `KAFKA_BROKERS`, `KAFKA_CLIENT_ID`, `KAFKA_TOPIC_PREFIX`. */
export function readEventBusConfig(r: EnvReader, serviceName: string): EventBusConfig {
  const kind = r.oneOf('EVENT_BUS', ['memory', 'kafka'] as const, { default: 'memory' });
  const topicPrefix = r.string('KAFKA_TOPIC_PREFIX', { default: 'nightglow' });
  if (!/^[a-zA-Z0-9._-]+$/.test(topicPrefix)) {
    r.reject('KAFKA_TOPIC_PREFIX', `${JSON.stringify(topicPrefix)} may only hold letters, digits, '.', '_' and '-'`);
  }
  if (kind === 'memory') return { kind, topicPrefix };
  const brokers = r.list('KAFKA_BROKERS');
  if (brokers.length === 0) r.reject('KAFKA_BROKERS', 'is required when EVENT_BUS=kafka');
  for (const b of brokers) if (!HOST_PORT.test(b)) r.reject('KAFKA_BROKERS', `has ${JSON.stringify(b)}, not host:port`);
  return { kind, brokers, clientId: r.string('KAFKA_CLIENT_ID', { default: serviceName }), topicPrefix };
}

/** Reads `STATE_STORE` and, for redis, `REDIS_URL`. */
export function readStateStoreConfig(r: EnvReader): StateStoreConfig {
  const kind = r.oneOf('STATE_STORE', ['memory', 'redis'] as const, { default: 'memory' });
  if (kind === 'memory') return { kind };
  const url = r.optionalUrl('REDIS_URL', ['redis:', 'rediss:']);
  if (url === undefined) {
    if (r.optionalString('REDIS_URL') === undefined) r.reject('REDIS_URL', 'is required when STATE_STORE=redis');
    return { kind, url: '' };
  }
  return { kind, url };
}
