/**
 * Envelope helpers: ids, construction, the Kafka key, and the binary codec.
 * Every message on every topic is one binary `nightglow.events.v1.Envelope`.
 */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import { EnvelopeSchema, type SourceSchema, type Envelope } from '@nightglow/contracts/events/v1';
import { v7 as uuidv7 } from 'uuid';
import { BusError } from './errors.js';
import { fastToBinary } from './fast-binary.js';
import { fastFromBinary } from './fast-from-binary.js';

/** A new event id: a UUIDv7 string (time-ordered, so ids sort by creation time). */
export function newEventId(): string {
  return uuidv7();
}

/** Inputs of {@link createEnvelope}; everything but `type`, `source` and `payload` is optional. */
export type EnvelopeInit = {
  /** Event type from the vocabulary, e.g. `alert.firing`. */
  readonly type: string;
  /** The producer: `{ service, instance, version }`. */
  readonly source: MessageInitShape<typeof SourceSchema>;
  /** Exactly one payload member, e.g. `{ case: 'alert', value: alert }`. */
  readonly payload: Envelope['payload'];
  readonly sessionId?: string;
  readonly taskId?: string;
  readonly actionId?: string;
  readonly pool?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly traceparent?: string;
  /** Defaults to a new UUIDv7. */
  readonly eventId?: string;
  /** When it happened: epoch ms or a Timestamp; defaults to `now()`. */
  readonly time?: number | Timestamp;
  /** Time source for the default `time`; defaults to `Date.now`. */
  readonly now?: () => number;
};

const TYPE_PATTERN = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;
const TYPE_PREFIX: Readonly<Record<string, string>> = {
  session: 'session.',
  task: 'task.',
  action: 'action.',
  errorSnapshot: 'action.error_snapshot',
  measurement: 'measurement.',
  alert: 'alert.',
  detection: 'detection.',
  anomaly: 'anomaly.',
  instrumentCommand: 'instrument_command.',
};

/**
 * What is wrong with an envelope, or undefined when it honours the contract:
 * an event id, a dotted lower-case type whose first segment matches the payload,
 * a payload. External types may not borrow a built-in first segment.
 */
export function envelopeProblem(envelope: Envelope): string | undefined {
  if (envelope.eventId === '') return 'event_id is empty';
  const payloadCase = envelope.payload.case;
  if (payloadCase === undefined) return 'payload is not set';
  if (!TYPE_PATTERN.test(envelope.type)) return `type ${JSON.stringify(envelope.type)} is not dotted lower case`;
  const prefix = TYPE_PREFIX[payloadCase];
  if (prefix !== undefined && !envelope.type.startsWith(prefix)) {
    return `type ${envelope.type} does not match payload ${payloadCase} (want ${prefix}…)`;
  }
  if (payloadCase === 'external') {
    const first = `${envelope.type.split('.')[0] ?? ''}.`;
    if (Object.values(TYPE_PREFIX).some((p) => p.startsWith(first))) {
      return `external type ${envelope.type} uses a built-in prefix`;
    }
  }
  return undefined;
}

/**
 * Builds an Envelope, filling `event_id` (UUIDv7) and `time` (now) unless given.
 * Throws `INVALID_ENVELOPE` when the result breaks the contract (see {@link envelopeProblem}).
 */
export function createEnvelope(init: EnvelopeInit): Envelope {
  const time = init.time ?? (init.now ?? Date.now)();
  const envelope = create(EnvelopeSchema, {
    eventId: init.eventId ?? newEventId(),
    type: init.type,
    time: typeof time === 'number' ? timestampFromMs(time) : time,
    source: init.source,
    sessionId: init.sessionId ?? '',
    taskId: init.taskId ?? '',
    actionId: init.actionId ?? '',
    pool: init.pool ?? '',
    labels: { ...init.labels },
    traceparent: init.traceparent ?? '',
    payload: init.payload,
  });
  const problem = envelopeProblem(envelope);
  if (problem !== undefined) throw new BusError('INVALID_ENVELOPE', problem);
  return envelope;
}

/**
 * The Kafka key: the session id, else the pool, else none (undefined), so one
 * session's events stay ordered on one partition.
 */
export function keyOf(envelope: Envelope): string | undefined {
  if (envelope.sessionId !== '') return envelope.sessionId;
  if (envelope.pool !== '') return envelope.pool;
  return undefined;
}

/**
 * The binary protobuf encoding of an envelope (what goes on the wire): the
 * bytes of protobuf-es' `toBinary`, written by {@link fastToBinary} at a
 * fraction of its cost. The bytes may be a view into a shared pool.
 */
export function encodeEnvelope(envelope: Envelope): Uint8Array {
  return fastToBinary(EnvelopeSchema, envelope);
}

/**
 * Decodes the bytes of a message into an Envelope: what protobuf-es'
 * `fromBinary` returns, read by {@link fastFromBinary} at a fraction of its
 * cost (bytes fields are views of `bytes`). Bytes that do not parse, or
 * parse into something without an event id or type (protobuf accepts much
 * garbage as unknown fields), throw `DECODE_FAILED` carrying `sizeBytes`, so a
 * consumer can dead-letter them. A payload member this version does not know
 * (a newer producer) decodes with `payload.case` undefined rather than failing.
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let envelope: Envelope;
  try {
    envelope = fastFromBinary(EnvelopeSchema, bytes);
  } catch (error) {
    throw new BusError('DECODE_FAILED', `not an Envelope (${bytes.byteLength} bytes): ${String(error)}`, {
      cause: error,
      sizeBytes: bytes.byteLength,
    });
  }
  if (envelope.eventId === '' || envelope.type === '') {
    throw new BusError('DECODE_FAILED', `not an Envelope (${bytes.byteLength} bytes): no event_id or type`, {
      sizeBytes: bytes.byteLength,
    });
  }
  return envelope;
}
