import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instrumentation } from '@nightglow/contracts/instrumentation/v1';
import {
  createGrpcJsClient,
  expectServingProcess,
  grpcUnary,
  runServiceExpectingFailure,
  startServiceProcess,
} from '@nightglow/runtime/testing';
import { launchChromium, tools, type ChromiumBrowser } from '@nightglow/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('instrumentation-sidecar process', () => {
  let chromium: ChromiumBrowser;
  let cdpUrl: string;
  beforeAll(async () => {
    chromium = await launchChromium();
    cdpUrl = `http://${new URL(chromium.wsEndpoint).host}`;
  });
  afterAll(async () => {
    await chromium?.stop();
    expect(() => process.kill(chromium.pid, 0)).toThrow(); // no Chromium left
  });

  it('serves health, is ready once attached to its browser, and drains on SIGTERM with exit 0', async () => {
    await expectServingProcess(main, { CDP_URL: cdpUrl, SIDECAR_ID: 'proc-1' }, tools().grpcHealthProbe, {
      timeoutMs: 20_000,
    });
  });

  it('answers the Instrumentation API over native gRPC, with field details on bad input, and exports its metrics', async () => {
    const p = await startServiceProcess(main, { CDP_URL: cdpUrl, SIDECAR_ID: 'proc-2' });
    const client = createGrpcJsClient(Instrumentation, `127.0.0.1:${p.grpcPort}`);
    try {
      const list = await grpcUnary<{ instruments: { blueprint: { name: string } }[] }>(client, 'ListInstruments', {});
      expect(list.instruments.map((i) => i.blueprint.name)).toContain('timing.ttfb');
      const bad = await grpcUnary(client, 'UpsertBlueprint', {
        blueprint: { name: 'x', kind: 1, metric: 'ttfb' },
      }).catch((e: unknown) => e);
      expect(bad).toMatchObject({ code: 3, details: expect.stringContaining('blueprint.trigger') });
      const missing = await grpcUnary(client, 'GetInstrument', { name: 'nope' }).catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: 5 });
      const metrics = await (await fetch(`http://127.0.0.1:${p.httpPort}/metrics`)).text();
      expect(metrics).toMatch(/nightglow_sidecar_attached_targets\{service="instrumentation-sidecar"\} \d+/);
      expect(metrics).toContain('nightglow_sidecar_publish_latency_seconds_bucket');
    } finally {
      client.close();
      expect(await p.stop()).toBe(0);
    }
  });

  it('refuses bad config naming the variable, exit 78', async () => {
    const r = await runServiceExpectingFailure(main, { EVENT_BUS: 'kafka', KAFKA_BROKERS: 'localhost' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('KAFKA_BROKERS');
  });

  it('refuses a bad blueprint file naming the file variable and the field, exit 78', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sidecar-bp-')), 'blueprints.yaml');
    writeFileSync(
      file,
      'blueprints:\n  - { name: ok, kind: INSTRUMENT_KIND_TIMING, metric: ttfb, trigger: { pageEvent: PAGE_EVENT_LOAD } }\n  - { name: bad, kind: INSTRUMENT_KIND_TIMING, metric: ttfb }\n',
    );
    const r = await runServiceExpectingFailure(main, { BLUEPRINTS_FILE: file, CDP_URL: cdpUrl });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('BLUEPRINTS_FILE');
    expect(r.stderr).toContain('blueprints[1].trigger');
  });
});
