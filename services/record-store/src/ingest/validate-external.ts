/**
 * Validation of IngestEvents batches. Pure. Every problem is reported with its
 * field path relative to the event (`type`, `time`, `payload`, `event_id`), so
 * the handler can answer `events[i].<field>` in a google.rpc.BadRequest or
 * list IngestErrors with `allow_partial`. Valid events get an event id
 * (UUIDv7) when they had none and `source.service` = the caller's key name
 * when empty.
 */
import { clone, create } from '@bufbuild/protobuf';
import { topicOfPayload } from '@nightglow/bus';
import { EnvelopeSchema, SourceSchema, type Envelope, type Topic } from '@nightglow/contracts/events/v1';
import { v7 as uuidv7 } from 'uuid';
import { isUuid } from './event-rows.js';

/** One problem of one event. */
export type EventProblem = { readonly index: number; readonly field: string; readonly description: string };

/** A valid event, ready to store. */
export type ValidEvent = { readonly index: number; readonly envelope: Envelope; readonly topic: Topic };

/** The largest batch accepted. */
export const MAX_INGEST_BATCH = 1000;

const TYPE = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;
const RESERVED: Readonly<Record<string, string>> = {
  session: 'session',
  task: 'task',
  action: 'action',
  errorSnapshot: 'action',
  measurement: 'measurement',
  alert: 'alert',
  detection: 'detection',
  anomaly: 'anomaly',
  instrumentCommand: 'instrument_command',
};
const RESERVED_SEGMENTS = new Set(Object.values(RESERVED));
const MIN_SECONDS = -62_135_596_800n; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z

function problemsOf(e: Envelope): { field: string; description: string }[] {
  const out: { field: string; description: string }[] = [];
  if (e.eventId !== '' && !isUuid(e.eventId))
    out.push({ field: 'event_id', description: 'must be a UUID (or empty to assign one)' });
  const payload = e.payload.case;
  if (e.type === '') out.push({ field: 'type', description: 'is required' });
  else if (!TYPE.test(e.type))
    out.push({ field: 'type', description: 'must be dotted lower case, e.g. `ci.pipeline.finished`' });
  else {
    const first = e.type.split('.')[0] ?? '';
    const want = payload === undefined ? undefined : RESERVED[payload];
    if (want !== undefined && first !== want)
      out.push({ field: 'type', description: `a ${payload} payload needs a \`${want}.\` type` });
    if (payload === 'external' && RESERVED_SEGMENTS.has(first)) {
      out.push({
        field: 'type',
        description: `\`${first}.\` is reserved for built-in events; it needs the matching payload`,
      });
    }
  }
  if (!e.time) out.push({ field: 'time', description: 'is required' });
  else if (
    e.time.seconds < MIN_SECONDS ||
    e.time.seconds > MAX_SECONDS ||
    e.time.nanos < 0 ||
    e.time.nanos > 999_999_999
  ) {
    out.push({ field: 'time', description: 'is not a valid timestamp (0001-01-01 to 9999-12-31, nanos 0..999999999)' });
  }
  if (payload === undefined) out.push({ field: 'payload', description: 'is required (usually `external`)' });
  return out;
}

/** Splits a batch into valid events (normalized copies) and problems. */
export function validateExternal(
  events: readonly Envelope[],
  callerName: string,
): { valid: ValidEvent[]; problems: EventProblem[] } {
  const valid: ValidEvent[] = [];
  const problems: EventProblem[] = [];
  events.forEach((e, index) => {
    const found = problemsOf(e);
    if (found.length > 0) {
      problems.push(...found.map((p) => ({ index, ...p })));
      return;
    }
    const envelope = clone(EnvelopeSchema, e);
    if (envelope.eventId === '') envelope.eventId = uuidv7();
    envelope.eventId = envelope.eventId.toLowerCase();
    envelope.source ??= create(SourceSchema, {});
    if (envelope.source.service === '') envelope.source.service = callerName;
    valid.push({ index, envelope, topic: topicOfPayload(envelope.payload.case) });
  });
  return { valid, problems };
}
