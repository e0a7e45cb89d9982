/**
 * Test support shared by the unit and integration tests of this package (not
 * part of the public surface): a manual clock, a controllable fake producer
 * port, and envelope builders.
 */
import { create } from '@bufbuild/protobuf';
import { SessionEventSchema } from '@nightglow/contracts/broker/v1';
import type { Envelope } from '@nightglow/contracts/events/v1';
import { TaskEventSchema } from '@nightglow/contracts/executor/v1';
import { AlertSchema, DetectionSchema, MeasurementSchema } from '@nightglow/contracts/instrumentation/v1';
import type { BusClock, BusTimer } from './deps.js';
import { createEnvelope } from './envelope.js';
import type { OutRecord } from './outgoing.js';
import type { PartialFailure, ProducerPort } from './send-loop.js';

/** A clock that moves only when told; `advance` fires due timers in time order. */
export type ManualClock = BusClock & { advance(ms: number): void; pending(): number };

/** Creates a {@link ManualClock} at `start` ms. */
export function createManualClock(start = 1_000_000): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms): BusTimer {
      const id = seq++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return { cancel: () => void timers.delete(id) };
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = target;
    },
    pending: () => timers.size,
  };
}

/** Lets queued promise callbacks (microtasks and one macrotask turn) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One call of a {@link FakeProducer}: the records and how to end it. */
export type FakeSend = {
  readonly records: readonly OutRecord[];
  ack(): void;
  fail(error: Error): void;
  /** Resolves as a port writing parts of a batch does when only `failed` failed. */
  partial(failed: readonly OutRecord[], error: Error): void;
};

/** A producer port whose sends stay pending until the test acks or fails them (or `autoAck` is on). */
export type FakeProducer = ProducerPort & { sends: FakeSend[]; autoAck: boolean; eventIds(): string[] };

/** Creates a {@link FakeProducer}. */
export function createFakeProducer(autoAck = false): FakeProducer {
  const fake: FakeProducer = {
    sends: [],
    autoAck,
    send(records) {
      return new Promise<PartialFailure | undefined>((resolve, reject) => {
        fake.sends.push({
          records: [...records],
          ack: () => resolve(undefined),
          fail: reject,
          partial: (failed, error) => resolve({ failed, error }),
        });
        if (fake.autoAck) resolve(undefined);
      });
    },
    eventIds: () => fake.sends.flatMap((s) => s.records.map((r) => r.eventId)),
  };
  return fake;
}

const source = { service: 'bus-test', instance: 'test:1', version: '0.0.0' };

/** An `alert.firing` envelope for `sessionId`, with `seq` in its labels. */
export function alertEnvelope(sessionId: string, seq: number): Envelope {
  const alert = create(AlertSchema, { fingerprint: `fp-${sessionId}`, metric: 'lcp', value: seq, sessionId });
  return createEnvelope({
    type: 'alert.firing',
    source,
    sessionId,
    labels: { seq: String(seq) },
    payload: { case: 'alert', value: alert },
  });
}

/** A `measurement.recorded` envelope; `padding` bytes of URL make it bigger. */
export function measurementEnvelope(sessionId: string, seq: number, padding = 0): Envelope {
  const m = create(MeasurementSchema, {
    metric: 'ttfb',
    value: seq,
    unit: 'ms',
    sessionId,
    url: `http://x/${'p'.repeat(padding)}`,
  });
  return createEnvelope({
    type: 'measurement.recorded',
    source,
    sessionId,
    labels: { seq: String(seq) },
    payload: { case: 'measurement', value: m },
  });
}

/** A mix over topics: session, task, detection, measurement and alert events, by `seq`. */
export function mixedEnvelope(sessionId: string, seq: number): Envelope {
  const labels = { seq: String(seq) };
  switch (seq % 5) {
    case 0:
      return createEnvelope({
        type: 'session.ready',
        source,
        sessionId,
        pool: 'p1',
        labels,
        payload: { case: 'session', value: create(SessionEventSchema, {}) },
      });
    case 1:
      return createEnvelope({
        type: 'task.started',
        source,
        sessionId,
        taskId: `t-${seq}`,
        labels,
        payload: { case: 'task', value: create(TaskEventSchema, {}) },
      });
    case 2:
      return createEnvelope({
        type: 'detection.checked',
        source,
        sessionId,
        labels,
        payload: { case: 'detection', value: create(DetectionSchema, { sessionId }) },
      });
    case 3:
      return measurementEnvelope(sessionId, seq);
    default:
      return alertEnvelope(sessionId, seq);
  }
}

/** The `seq` label of an envelope. */
export function seqOf(envelope: Envelope): number {
  return Number(envelope.labels['seq']);
}
