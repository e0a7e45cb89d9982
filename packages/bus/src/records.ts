/**
 * Turning stored bytes into {@link BusRecord}s, the same way for both buses: an
 * envelope when the bytes decode, a `DECODE_FAILED` entry (not an exception)
 * when they do not, so one bad message never stops a consumer.
 */
import { decodeEnvelope } from './envelope.js';
import { BusError } from './errors.js';
import type { BusBatch, BusRecord, BusRecordMeta } from './port.js';
import type { BusTopic } from './topics.js';

/** Decodes `meta.raw` into an event record, or an `undecodable` record carrying the error. */
export function toBusRecord(meta: BusRecordMeta): BusRecord {
  try {
    return { ...meta, kind: 'event', envelope: decodeEnvelope(meta.raw) };
  } catch (error) {
    return { ...meta, kind: 'undecodable', error: BusError.from(error, 'DECODE_FAILED') };
  }
}

/** How many records of a batch failed to decode. */
export function countUndecodable(records: readonly BusRecord[]): number {
  let n = 0;
  for (const r of records) if (r.kind === 'undecodable') n++;
  return n;
}

/** Assembles a {@link BusBatch}. */
export function toBusBatch(parts: {
  readonly topic: BusTopic;
  readonly topicName: string;
  readonly partition: number;
  readonly records: readonly BusRecord[];
  readonly heartbeat: () => Promise<void>;
  readonly signal: AbortSignal;
}): BusBatch {
  return { ...parts };
}

/** A Kafka offset string plus one (the offset to commit after `offset` was handled). */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
