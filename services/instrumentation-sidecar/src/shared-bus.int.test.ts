import { create } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { createEnvelope, createMemoryBus, type MemoryBus } from '@nightglow/bus';
import { Topic } from '@nightglow/contracts/events/v1';
import { InstrumentCommandSchema, type Measurement } from '@nightglow/contracts/instrumentation/v1';
import { ConfigError, createManualClock, startService, type StartedService } from '@nightglow/runtime';
import { scrapeMetric } from '@nightglow/runtime/testing';
import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarConfig } from './config.js';
import { createInstrumentationSidecarService } from './service.js';
import { eventually } from './testing/driver.js';

type Running = StartedService<SidecarConfig>;

/** What the all-in-one does: several sidecars in this process, every one on the same in-process bus. */
describe('sidecars sharing one process and one in-process bus', () => {
  let chromium: ChromiumBrowser;
  let bus: MemoryBus;
  const env = (id: string): Record<string, string> => ({
    CDP_URL: chromium.wsEndpoint,
    SIDECAR_ID: id,
    SIDECAR_POOL: 'shared',
    GRPC_PORT: '0',
    HTTP_PORT: '0',
    LOG_LEVEL: 'error',
  });
  const start = (id: string, clock = {}): Promise<Running> =>
    startService(createInstrumentationSidecarService({ bus, ...clock }), env(id));
  const metrics = async (s: Running): Promise<string> =>
    (await fetch(`http://127.0.0.1:${s.server.httpPort}/metrics`)).text();
  const commandCount = (s: Running, result: string): Promise<number> =>
    scrapeMetric(s.server.httpPort, 'nightglow_sidecar_commands_total', { result });
  const instrumentEnabled = async (s: Running, name: string): Promise<boolean> => {
    const res = await fetch(
      `http://127.0.0.1:${s.server.httpPort}/nightglow.instrumentation.v1.Instrumentation/GetInstrument`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) },
    );
    const body = (await res.json()) as { instrument: { blueprint: { enabled?: boolean } } };
    return body.instrument.blueprint.enabled ?? false;
  };
  const command = (id: string, init: Record<string, unknown>): Promise<unknown> =>
    bus.publish([
      createEnvelope({
        type: 'instrument_command.issued',
        source: { service: 'test' },
        payload: {
          case: 'instrumentCommand',
          value: create(InstrumentCommandSchema, { commandId: id, issuedBy: 'it', ...init }),
        },
      }),
    ]);

  beforeAll(async () => {
    chromium = await launchChromium();
    bus = createMemoryBus();
  });
  afterAll(async () => {
    await bus?.close();
    await chromium?.stop();
    expect(() => process.kill(chromium.pid, 0)).toThrow(); // no Chromium left
  });

  it('each sidecar gets every instrument command (its own group), counts on its own registry, and leaves the bus open', async () => {
    const [a, b] = await Promise.all([start('host-a'), start('host-b')]);
    try {
      // consumption proven first: a command for nobody, until both counted one as ignored
      for (let i = 0; (await commandCount(a, 'ignored')) === 0 || (await commandCount(b, 'ignored')) === 0; i++) {
        if (i > 100) throw new Error('the sidecars never consumed instrument-commands');
        await command(`warmup-${i}`, { targetSidecar: 'nobody', command: { case: 'enable', value: 'timing.ttfb' } });
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await instrumentEnabled(a, 'timing.ttfb')).toBe(true);
      await command('disable-ttfb', { command: { case: 'disable', value: 'timing.ttfb' } });
      for (const s of [a, b]) {
        await eventually('the disable to apply', async () => (await commandCount(s, 'applied')) > 0 || undefined);
        expect(await instrumentEnabled(s, 'timing.ttfb')).toBe(false);
        expect(await commandCount(s, 'applied')).toBe(1); // its own counter, not the other's as well
      }
      await command('only-b', { targetSidecar: 'host-b', command: { case: 'disable', value: 'timing.fcp' } });
      await eventually('b to apply its command', async () => (await commandCount(b, 'applied')) === 2 || undefined);
      expect(await instrumentEnabled(b, 'timing.fcp')).toBe(false);
      expect(await instrumentEnabled(a, 'timing.fcp')).toBe(true);
      for (const s of [a, b]) expect(await metrics(s)).toMatch(/^nightglow_sidecar_attached_targets\{[^}]*\} 1$/m); // chromium's about:blank
    } finally {
      expect(await a.stop()).toBe(true);
      expect(await b.stop()).toBe(true);
    }
    expect(bus.state()).toBe('READY');
    await expect(command('after-stop', { command: { case: 'enable', value: 'timing.ttfb' } })).resolves.toMatchObject({
      accepted: 1,
    });
  });

  it('refuses a second sidecar with an id already running on the same bus, naming SIDECAR_ID; the id is free again after stop', async () => {
    const first = await start('host-dup');
    try {
      const second = await start('host-dup').catch((e: unknown) => e);
      expect(second).toBeInstanceOf(ConfigError);
      expect(String(second)).toMatch(/SIDECAR_ID.*host-dup is already used by another sidecar on this bus/);
    } finally {
      expect(await first.stop()).toBe(true);
    }
    const again = await start('host-dup');
    expect(await again.stop()).toBe(true);
  });

  it('runs on the injected clock: interval instruments fire when it advances, measurements carry its time', async () => {
    const clock = createManualClock(1_800_000_000_000);
    const seen: Measurement[] = [];
    const sub = await bus.subscribe({
      groupId: 'clock-test',
      topics: [Topic.MEASUREMENTS],
      handler: (batch) => {
        for (const r of batch.records)
          if (r.kind === 'event' && r.envelope.payload.case === 'measurement') seen.push(r.envelope.payload.value);
        return Promise.resolve();
      },
    });
    const s = await start('host-clock', { clock });
    try {
      await new Promise((r) => setTimeout(r, 300)); // wall time passes: nothing is due on the manual clock
      expect(seen.filter((m) => m.metric === 'dom_nodes')).toEqual([]);
      clock.advance(5000); // the built-in state.dom_nodes runs every 5 s
      const dom = await eventually('a dom_nodes measurement', () => seen.find((m) => m.metric === 'dom_nodes'));
      expect(dom.value).toBeGreaterThan(0);
      expect(dom.time === undefined ? 0 : timestampMs(dom.time)).toBe(1_800_000_005_000);
    } finally {
      expect(await s.stop()).toBe(true);
      await sub.close();
    }
  });
});
