/**
 * Turning envelopes into the column arrays the ingest statements bind with
 * `unnest`. Pure: no I/O. Inline artifact bytes are moved out of the stored
 * envelope into artifact rows.
 */
import { clone, toBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { EnvelopeSchema, type Topic, type Envelope } from '@nightglow/contracts/events/v1';
import type { ArtifactRef } from '@nightglow/contracts/common/v1';

/** Where a Kafka event was read from. */
export type KafkaPosition = { readonly topic: string; readonly partition: number; readonly offset: string };

/** An event about to be stored. `raw` is its encoding when it came from Kafka (re-used when nothing was moved out). */
export type IncomingEvent = {
  readonly envelope: Envelope;
  readonly topic: Topic;
  readonly kafka?: KafkaPosition;
  readonly raw?: Uint8Array;
};

/** An artifact row, with its bytes. */
export type ArtifactRow = {
  readonly id: string;
  readonly taskId: string;
  readonly actionId: string;
  readonly ref: ArtifactRef;
  readonly data: Uint8Array;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `id` is a UUID in canonical text form. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** The event's time in epoch ms, or `fallback` when it carries none. */
export function eventTimeMs(e: Envelope, fallback: number): number {
  return e.time ? timestampMs(e.time) : fallback;
}

/** The artifact refs of an event that may carry inline bytes (action results and error snapshots). */
function inlineArtifacts(e: Envelope): ArtifactRef[] {
  if (e.payload.case === 'action') return e.payload.value.result?.artifacts ?? [];
  if (e.payload.case === 'errorSnapshot') {
    const shot = e.payload.value.screenshot;
    return shot ? [shot] : [];
  }
  return [];
}

/**
 * Splits an event into the envelope bytes to store (inline artifact data
 * removed) and its artifact rows.
 */
export function extractArtifacts(event: IncomingEvent): { bytes: Uint8Array; artifacts: ArtifactRow[] } {
  const refs = inlineArtifacts(event.envelope).filter((a) => a.data.byteLength > 0 && a.id !== '');
  if (refs.length === 0) return { bytes: event.raw ?? toBinary(EnvelopeSchema, event.envelope), artifacts: [] };
  const e = event.envelope;
  const artifacts = refs.map((ref) => ({
    id: ref.id,
    taskId: e.taskId,
    actionId: e.actionId,
    ref,
    data: ref.data,
  }));
  const stripped = clone(EnvelopeSchema, e);
  for (const a of inlineArtifacts(stripped)) a.data = new Uint8Array(0);
  return { bytes: toBinary(EnvelopeSchema, stripped), artifacts };
}

/**
 * True when storing the event takes more than its events row (and measurement
 * row): an alert to fold, inline artifact bytes to move out, a seal to schedule.
 */
export function needsSideRows(e: Envelope): boolean {
  if (e.payload.case === 'alert' || isTerminalTaskEvent(e)) return true;
  return inlineArtifacts(e).some((a) => a.data.byteLength > 0 && a.id !== '');
}

const hosts = new Map<string, string>();
const HOST_CACHE = 4096;

/**
 * The host (`host[:port]`) of a page URL, or '' when it is not a URL. Parsing
 * a URL costs microseconds and ingest sees the same few URLs over and over, so
 * the answers for the last few thousand distinct URLs are kept.
 */
export function urlHost(url: string): string {
  if (url === '') return '';
  const known = hosts.get(url);
  if (known !== undefined) return known;
  let host = '';
  try {
    host = new URL(url).host;
  } catch {
    host = '';
  }
  if (hosts.size >= HOST_CACHE) hosts.clear();
  hosts.set(url, host);
  return host;
}

/** Terminal task event types: the ones that schedule a seal. */
export const TERMINAL_TASK_TYPES: ReadonlySet<string> = new Set([
  'task.succeeded',
  'task.failed',
  'task.cancelled',
  'task.timed_out',
]);

/** True when the event ends a task (and so schedules its record's seal). */
export function isTerminalTaskEvent(e: Envelope): boolean {
  return e.payload.case === 'task' && TERMINAL_TASK_TYPES.has(e.type) && taskIdOf(e) !== '';
}

/** The task an event concerns: the envelope's task id, else the one its payload names. */
export function taskIdOf(e: Envelope): string {
  if (e.taskId !== '') return e.taskId;
  const p = e.payload;
  switch (p.case) {
    case 'task':
      return p.value.task?.id ?? '';
    case 'action':
    case 'measurement':
    case 'alert':
    case 'detection':
    case 'anomaly':
      return p.value.taskId;
    default:
      return '';
  }
}
