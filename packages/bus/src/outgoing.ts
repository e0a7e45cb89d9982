/**
 * An envelope on its way out: encoded once, with its topic, key, headers, size
 * and priority, before it enters the publish buffer.
 */
import type { Envelope } from '@nightglow/contracts/events/v1';
import { encodeEnvelope, envelopeProblem, keyOf } from './envelope.js';
import { BusError } from './errors.js';
import { TOPIC_SUFFIXES, topicName, topicOf, type BusTopic } from './topics.js';

/** Bytes counted per record on top of value, key and headers (Kafka record framing, roughly). */
export const RECORD_OVERHEAD_BYTES = 64;

/** The headers of a record without any (shared, frozen): most records. */
export const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** An encoded envelope, ready for a {@link ProducerPort}. */
export type OutRecord = {
  /** Admission order within one publisher. */
  seq: number;
  readonly topic: BusTopic;
  /** Kafka topic name, e.g. `nightglow.alerts`. */
  readonly topicName: string;
  /** Topic suffix, the stats label, e.g. `alerts`. */
  readonly label: string;
  readonly key: string | undefined;
  readonly value: Uint8Array;
  /** Kafka headers: `traceparent` when the envelope carries one, nothing else (every header costs throughput). */
  readonly headers: Readonly<Record<string, string>>;
  readonly eventId: string;
  /** Bytes it occupies in the buffer (value + key + headers + overhead). */
  readonly size: number;
  /** May be dropped when the buffer is full or Kafka is down. */
  readonly droppable: boolean;
  /** When it was accepted (clock ms), for linger and latency. */
  acceptedAt: number;
  /** Where it is: waiting in the buffer, in the batch being sent, settled, or evicted. */
  state: 'queued' | 'inflight' | 'done' | 'evicted';
};

/** What {@link prepareRecord} needs to know about the publisher. */
export type PrepareContext = {
  readonly prefix: string;
  readonly droppable: ReadonlySet<BusTopic>;
  /** The largest encoded envelope a topic accepts. */
  readonly maxMessageBytes: (topic: BusTopic) => number;
};

/** An {@link OutRecord} before admission, plus whether it exceeds its topic's limit. */
export type PreparedRecord = { readonly record: OutRecord; readonly tooLarge: boolean };

/**
 * Validates and encodes one envelope. Throws `INVALID_ENVELOPE` / `NO_TOPIC` for a
 * broken envelope and `MESSAGE_TOO_LARGE` for an oversize one that may not be
 * dropped; an oversize droppable one comes back with `tooLarge` set.
 */
export function prepareRecord(envelope: Envelope, ctx: PrepareContext): PreparedRecord {
  const problem = envelopeProblem(envelope);
  if (problem !== undefined) throw new BusError('INVALID_ENVELOPE', `${envelope.eventId || '(no id)'}: ${problem}`);
  const topic = topicOf(envelope);
  const value = encodeEnvelope(envelope);
  const key = keyOf(envelope);
  const headers = envelope.traceparent === '' ? NO_HEADERS : { traceparent: envelope.traceparent };
  let size = value.byteLength + RECORD_OVERHEAD_BYTES + Buffer.byteLength(key ?? '');
  for (const [name, v] of Object.entries(headers)) size += name.length + Buffer.byteLength(v);
  const droppable = ctx.droppable.has(topic);
  const limit = ctx.maxMessageBytes(topic);
  const tooLarge = value.byteLength > limit;
  if (tooLarge && !droppable) {
    throw new BusError(
      'MESSAGE_TOO_LARGE',
      `${envelope.type} ${envelope.eventId} is ${value.byteLength} bytes, over ${limit}`,
      {
        sizeBytes: value.byteLength,
      },
    );
  }
  const record: OutRecord = {
    seq: -1,
    topic,
    topicName: topicName(topic, ctx.prefix),
    label: TOPIC_SUFFIXES[topic],
    key,
    value,
    headers,
    eventId: envelope.eventId,
    size,
    droppable,
    acceptedAt: 0,
    state: 'queued',
  };
  return { record, tooLarge };
}
