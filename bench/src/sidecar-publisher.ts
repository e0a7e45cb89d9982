/**
 * Figure 3 of the `sidecar` benchmark, publisher throughput to a real Kafka:
 * measurements through the sidecar's signal publisher (Measurement → Envelope
 * → bus with the sidecar's batching, acks=all, gzip) until acknowledged,
 * against the bare bus (default batching) publishing pre-built envelopes, in
 * the same run. Target: at least 50,000 measurements/s.
 *
 * `npm run bench -- sidecar-publisher` runs this part alone (its own Kafka,
 * no browser) and writes `bench/results/sidecar-publisher.json`.
 */
import { loadavg } from 'node:os';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { createEnvelope, createKafkaBus, silentLogger, type KafkaBus, type KafkaBusOptions } from '@nightglow/bus';
import { InstrumentKind, MeasurementSchema } from '@nightglow/contracts/instrumentation/v1';
import { createSignalPublisher, SIDECAR_KAFKA_BATCH } from '@nightglow/instrumentation-sidecar';
import { startKafka } from '@nightglow/testenv';
import { report, type Figure } from './report.js';

async function timedDelivery(
  bus: KafkaBus,
  n: number,
  send: (from: number, to: number) => Promise<unknown>,
): Promise<number> {
  await bus.start();
  await send(0, 2000);
  await bus.flush(); // warm-up: connections, metadata
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) await send(i, Math.min(n, i + 1000));
  await bus.flush();
  const perSecond = n / ((performance.now() - t0) / 1000);
  const dropped = Object.values(bus.stats().dropped).reduce((a, b) => a + b, 0);
  if (dropped > 0) console.warn(`dropped ${dropped} envelopes`);
  return perSecond;
}

/**
 * Measures both paths against `brokers` with `n` measurements each: `ours` (the
 * sidecar's signal publisher on a bus with `SIDECAR_KAFKA_BATCH`) and `bare`
 * (the bus with its defaults, envelopes built beforehand), both buses with
 * the extra options `bus`. Messages/s.
 */
export async function publisherThroughput(
  brokers: readonly string[],
  n: number,
  bus: Partial<KafkaBusOptions> = {},
): Promise<{ ours: number; bare: number }> {
  const m = (i: number) =>
    create(MeasurementSchema, {
      instrument: 'state.dom_nodes',
      metric: 'dom_nodes',
      kind: InstrumentKind.STATE,
      value: i,
      unit: 'count',
      sessionId: `s-${i % 50}`,
      taskId: 't',
      actionId: 't/1',
      pool: 'bench',
      targetId: 'T',
      url: 'http://127.0.0.1/resources',
      time: timestampFromMs(Date.now()),
    });
  const envelopes = Array.from({ length: n }, (_, i) =>
    createEnvelope({
      type: 'measurement.recorded',
      source: { service: 'bench' },
      payload: { case: 'measurement', value: m(i) },
      sessionId: `s-${i % 50}`,
    }),
  );
  const bareBus = createKafkaBus({ ...bus, brokers, topicPrefix: `bench-bare-${Date.now()}` });
  const ourBus = createKafkaBus({
    ...bus,
    brokers,
    topicPrefix: `bench-sidecar-${Date.now()}`,
    batch: SIDECAR_KAFKA_BATCH,
  });
  try {
    const bare = await timedDelivery(bareBus, n, (from, to) => bareBus.publish(envelopes.slice(from, to)));
    const publisher = createSignalPublisher({
      bus: ourBus,
      source: { service: 'instrumentation-sidecar', instance: 'bench' },
      logger: silentLogger,
      now: Date.now,
    });
    const ours = await timedDelivery(ourBus, n, async (from, to) => {
      for (let j = from; j < to; j++) publisher.measurement(m(j));
      await publisher.settle();
    });
    return { ours, bare };
  } finally {
    await bareBus.close();
    await ourBus.close();
  }
}

/** The figure the `sidecar` benchmark reports for {@link publisherThroughput}. */
export function publisherFigure(tp: { ours: number; bare: number }): Figure {
  return {
    metric: 'publisher throughput to Kafka (acks=all); baseline: bare bus, default batching',
    unit: 'measurements/s',
    ours: tp.ours,
    baseline: tp.bare,
    target: '>= 50,000/s',
    higherIsBetter: true,
    targetValue: 50_000,
  };
}

/**
 * Runs figure 3 alone on a Kafka of its own, plus, without a target, the
 * sidecar path with the bus writing through one producer (`producerLanes: 1`,
 * one acks=all request at a time, as before lanes) against the default lanes;
 * resolves whether the target was met.
 */
export async function sidecarPublisherBench(opts: { messages?: number } = {}): Promise<boolean> {
  const kafka = await startKafka();
  try {
    const n = opts.messages ?? 100_000;
    const before = loadavg()[0] ?? 0;
    const tp = await publisherThroughput(kafka.brokers, n);
    const oneLane = await publisherThroughput(kafka.brokers, n, { producerLanes: 1 });
    console.log(`load average (1 min) before ${before.toFixed(2)}, after ${(loadavg()[0] ?? 0).toFixed(2)}`);
    return report('sidecar-publisher', [
      publisherFigure(tp),
      {
        metric: 'publisher throughput, sidecar path: default producer lanes (ours) vs one lane (baseline)',
        unit: 'measurements/s',
        ours: tp.ours,
        baseline: oneLane.ours,
        target: 'reported',
        higherIsBetter: true,
      },
    ]);
  } finally {
    await kafka.stop();
  }
}
