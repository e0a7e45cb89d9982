/**
 * Turns the sidecar's signals into Envelopes (keyed by session id) and hands
 * them to the event bus in batches. Alerts, detections and anomalies leave on
 * the next turn of the event loop, taking every waiting measurement along;
 * measurements alone wait up to {@link MEASUREMENT_LINGER_MS}, so a page load's
 * dozen measurements cost the process (and the page it shares the machine with)
 * one `publish` call and one producer request, not several. The bus does the rest (batching by
 * count/bytes/linger, gzip, idempotent acks=all, bounded buffer, counted drops
 * of measurements only). Measurements also go to live StreamMeasurements
 * subscribers.
 */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { createEnvelope, type BusLogger, type EventBus } from '@nightglow/bus';
import type { ErrorSnapshot } from '@nightglow/contracts/common/v1';
import { SourceSchema, type Envelope } from '@nightglow/contracts/events/v1';
import {
  AlertState,
  type Alert,
  type Anomaly,
  type Detection,
  type Measurement,
} from '@nightglow/contracts/instrumentation/v1';

/** The longest a measurement waits for company before it is handed to the bus, ms. */
export const MEASUREMENT_LINGER_MS = 200;

/** Ids every envelope carries. */
export type EnvelopeIds = {
  readonly sessionId: string;
  readonly taskId: string;
  readonly actionId: string;
  readonly pool: string;
  readonly labels?: Readonly<Record<string, string>>;
};

/** The publishing side of the sidecar. */
export type SignalPublisher = {
  measurement(m: Measurement): void;
  alert(a: Alert): void;
  detection(d: Detection): void;
  anomaly(a: Anomaly): void;
  errorSnapshot(snapshot: ErrorSnapshot, ids: EnvelopeIds): void;
  /** Resolves when everything handed over so far was accepted by the bus. */
  settle(): Promise<void>;
  /** Publish calls that failed (invalid envelope, closed bus); logged. */
  failures(): number;
};

/** Inputs of {@link createSignalPublisher}. */
export type SignalPublisherOptions = {
  readonly bus: EventBus;
  readonly source: MessageInitShape<typeof SourceSchema>;
  readonly logger: BusLogger;
  readonly now: () => number;
  /** Sees every measurement (the live stream hub), at once. */
  readonly onMeasurement?: (m: Measurement) => void;
  /** Overrides {@link MEASUREMENT_LINGER_MS}; 0 hands measurements over on the next turn too. */
  readonly measurementLingerMs?: number;
};

/** Creates the publisher; see the module comment. */
export function createSignalPublisher(opts: SignalPublisherOptions): SignalPublisher {
  const lingerMs = opts.measurementLingerMs ?? MEASUREMENT_LINGER_MS;
  // one Source message shared by every envelope: protobuf-es would build one per envelope from a plain init
  const source = create(SourceSchema, opts.source);
  let queue: Envelope[] = [];
  let scheduled = false;
  let lingering: NodeJS.Timeout | undefined;
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<unknown>): void => {
    const done = p.then(
      () => undefined,
      (error: unknown) => {
        failed += 1;
        opts.logger.error({ err: String(error) }, 'publishing signals failed');
      },
    );
    pending.add(done);
    void done.finally(() => pending.delete(done));
  };
  const flush = (): void => {
    scheduled = false;
    clearTimeout(lingering);
    lingering = undefined;
    const batch = queue;
    queue = [];
    if (batch.length > 0) track(opts.bus.publish(batch));
  };
  const enqueue = (envelope: Envelope, urgent: boolean): void => {
    queue.push(envelope);
    if (urgent || lingerMs <= 0) {
      if (!scheduled) setImmediate(flush);
      scheduled = true;
    } else {
      lingering ??= setTimeout(flush, lingerMs);
    }
  };
  const envelope = (type: string, payload: Envelope['payload'], ids: EnvelopeIds, timeMs?: number): Envelope =>
    createEnvelope({
      type,
      source,
      payload,
      sessionId: ids.sessionId,
      taskId: ids.taskId,
      actionId: ids.actionId,
      pool: ids.pool,
      ...(ids.labels === undefined ? {} : { labels: ids.labels }),
      time: timeMs ?? opts.now(),
    });
  const ms = (t: { seconds: bigint; nanos: number } | undefined): number | undefined =>
    t === undefined ? undefined : Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6);
  return {
    measurement(m) {
      enqueue(envelope('measurement.recorded', { case: 'measurement', value: m }, m, ms(m.time)), false);
      opts.onMeasurement?.(m);
    },
    alert(a) {
      const type = a.state === AlertState.RESOLVED ? 'alert.resolved' : 'alert.firing';
      enqueue(envelope(type, { case: 'alert', value: a }, a, ms(a.time)), true);
    },
    detection(d) {
      enqueue(envelope('detection.checked', { case: 'detection', value: d }, d, ms(d.time)), true);
    },
    anomaly(a) {
      enqueue(envelope('anomaly.detected', { case: 'anomaly', value: a }, a, ms(a.time)), true);
    },
    errorSnapshot(snapshot, ids) {
      // alone in its publish call: a screenshot too large for the topic must not take a batch down with it
      track(
        opts.bus.publish([
          envelope('action.error_snapshot', { case: 'errorSnapshot', value: snapshot }, ids, ms(snapshot.time)),
        ]),
      );
    },
    async settle() {
      flush();
      while (pending.size > 0) await Promise.all([...pending]);
    },
    failures: () => failed,
  };
}
