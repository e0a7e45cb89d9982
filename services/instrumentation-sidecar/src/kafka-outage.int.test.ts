import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { createKafkaBus, silentLogger, type KafkaBus } from '@nightglow/bus';
import { connectBrowser } from '@nightglow/cdp';
import { Topic } from '@nightglow/contracts/events/v1';
import { ActionPhase, MarkPhaseRequestSchema } from '@nightglow/contracts/instrumentation/v1';
import { systemClock } from '@nightglow/runtime';
import { launchChromium, startKafka, type ChromiumBrowser, type KafkaServer } from '@nightglow/testenv';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSidecarMetrics } from './metrics.js';
import { createInstrumentationHandlers } from './rpc/handlers.js';
import { createSidecar, type Sidecar } from './sidecar.js';
import { connectDriver, eventually, type Driver } from './testing/driver.js';
import { startFixtureSite, type FixtureSite } from './testing/fixture-site.js';
import { recordingBus, type RecordingBus } from './testing/recording-bus.js';
import { retrying } from './testing/retry.js';

const OUTAGE_MS = 60_000;
const FILE = `blueprints:
  - { name: flood.dom, kind: INSTRUMENT_KIND_STATE, metric: dom_nodes, trigger: { interval: 0.1s } }
  - { name: flood.heap, kind: INSTRUMENT_KIND_STATE, metric: js_heap_used, trigger: { interval: 0.1s } }
  - { name: check.webdriver, kind: INSTRUMENT_KIND_DETECTION, metric: webdriver, trigger: { interval: 0.5s } }
  - name: timing.action_duration
    kind: INSTRUMENT_KIND_TIMING
    metric: action_duration
    trigger: { actionPhase: ACTION_PHASE_END }
    thresholds: { warn: 1000 }
`;

describe('Kafka stopped for 60 s during a run (own broker) and restarted', () => {
  let kafka: KafkaServer;
  let chromium: ChromiumBrowser;
  let site: FixtureSite;
  let driver: Driver;
  let bus: RecordingBus & { inner: KafkaBus };
  let sidecar: Sidecar;
  const metrics = new Registry();

  beforeAll(async () => {
    [kafka, chromium, site] = await Promise.all([startKafka(), launchChromium(), startFixtureSite()]);
    const inner = createKafkaBus({
      brokers: kafka.brokers,
      topicPrefix: 'outage',
      topics: { partitions: 2 },
      buffer: { maxMessages: 400 },
      batch: { maxMessages: 100, lingerMs: 10 },
      retry: { initialMs: 100, maxMs: 1_000 },
      sendRetries: 1,
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 5_000,
      consumer: { maxWaitTimeMs: 200, joinTimeoutMs: 10_000 },
    });
    await inner.start();
    bus = Object.assign(recordingBus(inner), { inner });
    sidecar = createSidecar({
      bus,
      connect: () => connectBrowser(chromium.wsEndpoint),
      clock: systemClock,
      blueprints: { origin: 'test', load: () => Promise.resolve(FILE) },
      logger: silentLogger,
      sidecarId: 'outage-1',
      pool: 'pool-o',
    });
    registerSidecarMetrics(metrics, {
      busStats: () => inner.stats(),
      attachedTargets: () => sidecar.browser.pages().length,
      instruments: () => [],
    });
    await sidecar.start();
    await sidecar.browser.ready();
    driver = await connectDriver(chromium.wsEndpoint);
  });
  afterAll(async () => {
    await sidecar?.stop();
    await bus?.close();
    await driver?.close();
    await chromium?.stop();
    await site?.close();
    await kafka?.stop();
    expect(() => process.kill(chromium.pid, 0)).toThrow(); // no Chromium left
  });

  it('loses no alert, detection or error snapshot, and counts the measurements it dropped', async () => {
    const contextId = await driver.newContext();
    const rpc = createInstrumentationHandlers(sidecar, systemClock);
    await rpc.attachSession(
      { sessionId: 'sess-o', browserContextId: contextId, pool: 'pool-o', taskId: 'task-o', labels: {} } as never,
      {} as never,
    );
    const page = await driver.newPage(contextId);
    await page.goto(`${site.origin}/blank`);
    let n = 0;
    let running = true;
    // the executor: an action every 250 ms, alternating 100 ms and 5 s durations (an alert transition each), every 4th failing
    const executor = (async () => {
      while (running) {
        const i = n++;
        const start = Date.now();
        const mark = (phase: ActionPhase, at: number, ok = true): unknown =>
          rpc.markPhase(
            create(MarkPhaseRequestSchema, {
              sessionId: 'sess-o',
              taskId: 'task-o',
              actionId: `task-o/${i}`,
              actionIndex: i,
              phase,
              ok,
              error: ok ? '' : 'failed on purpose',
              time: timestampFromMs(at),
              targetId: page.targetId,
            }),
            {} as never,
          );
        mark(ActionPhase.START, start);
        mark(ActionPhase.END, start + (i % 2 === 0 ? 100 : 5000), i % 4 !== 3);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await new Promise((r) => setTimeout(r, 5000));
    await kafka.stopBroker('SIGKILL');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await kafka.startBroker();
    await new Promise((r) => setTimeout(r, 5000));
    running = false;
    await executor;
    await sidecar.stop(); // every signal handed to the bus
    await bus.inner.flush();

    const sentIds = (suffix: string): Set<string> => new Set(bus.of(suffix).map((e) => e.eventId));
    const expected = { alerts: sentIds('alerts'), detections: sentIds('detections'), actions: sentIds('actions') };
    expect(expected.alerts.size).toBeGreaterThan(100);
    expect(expected.detections.size).toBeGreaterThan(100);
    expect(expected.actions.size).toBeGreaterThan(30);

    const got = { alerts: new Set<string>(), detections: new Set<string>(), actions: new Set<string>() };
    const reader = createKafkaBus({
      brokers: kafka.brokers,
      topicPrefix: 'outage',
      consumer: { maxWaitTimeMs: 200, joinTimeoutMs: 10_000 },
    });
    await reader.start();
    const sub = await retrying(() =>
      reader.subscribe({
        groupId: 'outage-verify',
        topics: [Topic.ALERTS, Topic.DETECTIONS, Topic.ACTIONS],
        fromBeginning: true,
        handler: (batch) => {
          for (const r of batch.records)
            if (r.kind === 'event') got[r.topicName.split('.')[1] as keyof typeof got].add(r.envelope.eventId);
          return Promise.resolve();
        },
      }),
    );
    try {
      await eventually(
        'every alert, detection and error snapshot on Kafka',
        () =>
          (Object.keys(expected) as (keyof typeof expected)[]).every((k) => got[k].size >= expected[k].size) ||
          undefined,
        60_000,
      );
    } finally {
      await sub.close();
      await reader.close();
    }
    for (const k of Object.keys(expected) as (keyof typeof expected)[])
      expect([...expected[k]].filter((id) => !got[k].has(id))).toEqual([]);

    const stats = bus.inner.stats();
    console.log(
      `[sidecar outage] alerts ${expected.alerts.size}, detections ${expected.detections.size}, error snapshots ${expected.actions.size} sent and all received; measurements dropped ${stats.droppedByTopic['measurements'] ?? 0} (${JSON.stringify(stats.dropped)})`,
    );
    expect(stats.droppedByTopic['measurements'] ?? 0).toBeGreaterThan(0);
    expect(Object.keys(stats.droppedByTopic).filter((t) => t !== 'measurements')).toEqual([]);
    const text = await metrics.metrics();
    const dropped = /nightglow_sidecar_dropped_total\{topic="measurements"\} (\d+)/.exec(text);
    expect(Number(dropped?.[1])).toBe(stats.droppedByTopic['measurements']);
  }, 200_000); // a 70 s run by design, then up to 60 s to read everything back
});
