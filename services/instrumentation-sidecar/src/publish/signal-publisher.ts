/**
 * Turns the sidecar's signals into Envelopes (keyed by session id) and hands
 * them to the event bus in batches: everything produced in one turn of the
 * event loop goes into one `publish` call. The bus does the rest (batching by
 * count/bytes/linger, gzip, idempotent acks=all, bounded buffer, counted drops
 * of measurements only). Measurements also go to live StreamMeasurements
 * subscribers.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { createEnvelope, type BusLogger, type EventBus } from '@nightglow/bus';
import type { ErrorSnapshot } from '@nightglow/contracts/common/v1';
import type { Envelope, SourceSchema } from '@nightglow/contracts/events/v1';
import {
  AlertState,
  type Alert,
  type Anomaly,
  type Detection,
  type Measurement,
} from '@nightglow/contracts/instrumentation/v1';

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
  /** Sees every measurement (the live stream hub). */
  readonly onMeasurement?: (m: Measurement) => void;
};

/** Creates the publisher; see the module comment. */
export function createSignalPublisher(opts: SignalPublisherOptions): SignalPublisher {
  let queue: Envelope[] = [];
  let scheduled = false;
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
    const batch = queue;
    queue = [];
    if (batch.length > 0) track(opts.bus.publish(batch));
  };
  const enqueue = (envelope: Envelope): void => {
    queue.push(envelope);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const envelope = (type: string, payload: Envelope['payload'], ids: EnvelopeIds, timeMs?: number): Envelope =>
    createEnvelope({
      type,
      source: opts.source,
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
      enqueue(envelope('measurement.recorded', { case: 'measurement', value: m }, m, ms(m.time)));
      opts.onMeasurement?.(m);
    },
    alert(a) {
      const type = a.state === AlertState.RESOLVED ? 'alert.resolved' : 'alert.firing';
      enqueue(envelope(type, { case: 'alert', value: a }, a, ms(a.time)));
    },
    detection(d) {
      enqueue(envelope('detection.checked', { case: 'detection', value: d }, d, ms(d.time)));
    },
    anomaly(a) {
      enqueue(envelope('anomaly.detected', { case: 'anomaly', value: a }, a, ms(a.time)));
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
