import { create } from '@bufbuild/protobuf';
import { durationFromMs } from '@bufbuild/protobuf/wkt';
import { Isolation, SessionOptionsSchema } from '@nightglow/contracts/broker/v1';
import { WaitUntil } from '@nightglow/contracts/common/v1';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { defaultPools, type PoolConfig } from '../pools/pool-config.js';
import { requestedOptionsJson, resolveOptions } from './options.js';

const pool = (over: Partial<PoolConfig> = {}): PoolConfig => ({ ...(defaultPools()[0] as PoolConfig), ...over });

function violations(fn: () => unknown): { field: string; description: string }[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof BrokerError && e.code === 'INVALID_ARGUMENT') return [...e.violations];
    throw e;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('session options', () => {
  it('layers request over pool defaults over built-in defaults', () => {
    const p = pool({ defaults: { ttlMs: 60_000, locale: 'de-DE', isolation: 'CONTEXT' } });
    const o = resolveOptions(
      create(SessionOptionsSchema, { idleTimeout: durationFromMs(5_000), startUrl: 'https://example.org/' }),
      {},
      p,
    );
    expect(o).toMatchObject({
      isolation: 'CONTEXT',
      ttlMs: 60_000,
      idleTimeoutMs: 5_000,
      queueTimeoutMs: 30_000,
      startUrl: 'https://example.org/',
      waitUntil: 'LOAD',
      locale: 'de-DE',
      viewport: { width: 1280, height: 720, deviceScaleFactor: 1 },
    });
  });

  it('caps the TTL at the pool max_ttl', () => {
    const o = resolveOptions(
      create(SessionOptionsSchema, { ttl: durationFromMs(3_600_000) }),
      {},
      pool({ maxTtlMs: 600_000 }),
    );
    expect(o.ttlMs).toBe(600_000);
  });

  it('names every bad field', () => {
    const options = create(SessionOptionsSchema, {
      isolation: 7 as Isolation,
      ttl: { seconds: -5n, nanos: 0 },
      idleTimeout: durationFromMs(0),
      queueTimeout: { seconds: -1n, nanos: 0 },
      startUrl: 'not a url',
      waitUntil: WaitUntil.NETWORKIDLE0,
      viewport: { width: 0, height: 20000, deviceScaleFactor: 11 },
      locale: 'english please',
      timezoneId: 'Mars/Olympus',
      proxyServer: 'ftp://proxy',
    });
    const fields = violations(() => resolveOptions(options, { 'bad key!': 'x' }, pool())).map((v) => v.field);
    expect(fields).toEqual([
      'labels["bad key!"]',
      'options.isolation',
      'options.ttl',
      'options.idle_timeout',
      'options.queue_timeout',
      'options.start_url',
      'options.wait_until',
      'options.viewport.width',
      'options.viewport.height',
      'options.viewport.device_scale_factor',
      'options.locale',
      'options.timezone_id',
      'options.proxy_server',
    ]);
  });

  it('refuses BROWSER isolation on a pool that cannot launch browsers', () => {
    const staticPool = pool({ source: { kind: 'static', endpoints: [] } });
    const v = violations(() =>
      resolveOptions(create(SessionOptionsSchema, { isolation: Isolation.BROWSER }), {}, staticPool),
    );
    expect(v[0]?.field).toBe('options.isolation');
  });

  it('keeps the requested options as sent (unset stays unset)', () => {
    expect(requestedOptionsJson(create(SessionOptionsSchema, { locale: 'fr-FR' }))).toEqual({ locale: 'fr-FR' });
    expect(requestedOptionsJson(undefined)).toEqual({});
  });
});
