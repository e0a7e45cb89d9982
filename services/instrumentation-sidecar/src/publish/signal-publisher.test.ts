import { create } from '@bufbuild/protobuf';
import { createMemoryBus, silentLogger } from '@nightglow/bus';
import { AlertSchema, AlertState, MeasurementSchema } from '@nightglow/contracts/instrumentation/v1';
import { describe, expect, it } from 'vitest';
import { recordingBus } from '../testing/recording-bus.js';
import { createSignalPublisher } from './signal-publisher.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function setup() {
  const bus = recordingBus(createMemoryBus());
  const calls: string[][] = [];
  const publish = bus.publish.bind(bus);
  bus.publish = (envelopes) => {
    calls.push(envelopes.map((e) => e.type));
    return publish(envelopes);
  };
  const seen: string[] = [];
  const publisher = createSignalPublisher({
    bus,
    source: { service: 'test' },
    logger: silentLogger,
    now: () => 1000,
    measurementLingerMs: 80,
    onMeasurement: (m) => seen.push(m.metric),
  });
  const m = (metric: string) => create(MeasurementSchema, { instrument: `t.${metric}`, metric, sessionId: 's' });
  return { bus, calls, seen, publisher, m };
}

describe('signal publisher', () => {
  it('lets measurements wait for company, up to the linger, while live subscribers see them at once', async () => {
    const t = setup();
    t.publisher.measurement(t.m('ttfb'));
    t.publisher.measurement(t.m('fcp'));
    await turn();
    expect(t.calls).toEqual([]);
    expect(t.seen).toEqual(['ttfb', 'fcp']);
    await sleep(120);
    expect(t.calls).toEqual([['measurement.recorded', 'measurement.recorded']]);
    await t.bus.close();
  });

  it('sends an alert on the next turn, taking the waiting measurements along in order', async () => {
    const t = setup();
    t.publisher.measurement(t.m('lcp'));
    t.publisher.alert(create(AlertSchema, { state: AlertState.FIRING, instrument: 't.lcp', sessionId: 's' }));
    await turn();
    expect(t.calls).toEqual([['measurement.recorded', 'alert.firing']]);
    await sleep(120);
    expect(t.calls).toHaveLength(1); // the linger timer was cleared with the flush
    t.publisher.measurement(t.m('cls'));
    await t.publisher.settle(); // settle hands everything over now
    expect(t.calls).toEqual([['measurement.recorded', 'alert.firing'], ['measurement.recorded']]);
    await t.bus.close();
  });
});
