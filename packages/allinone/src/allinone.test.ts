import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrowserEndpoint, BrowserSource, PoolConfig, SourceListener } from '@nightglow/session-broker';
import { readEndpoints, removeEndpoints, writeEndpoints, type PlatformEndpoints } from './endpoints-file.js';
import { PlatformOptionsError, isLoopback, resolvePlatformOptions } from './options.js';
import { dialHost, stopParts } from './platform.js';
import { PortInUseError, STANDARD_PORTS, planPorts } from './ports.js';
import { createSidecarRegistry, type AttachedSidecar } from './sidecars.js';

describe('resolvePlatformOptions', () => {
  it('fills the embedded defaults', () => {
    const o = resolvePlatformOptions({ home: '/tmp/ng-home' });
    expect(o).toMatchObject({
      home: '/tmp/ng-home',
      host: '127.0.0.1',
      ports: 'standard',
      mode: 'in-process',
      redisUrl: undefined,
      kafkaBrokers: [],
      databaseUrl: undefined,
      kubeconfig: undefined,
      prewarm: 1,
      demoSite: true,
    });
  });

  it('names every bad option', () => {
    let error: unknown;
    try {
      resolvePlatformOptions({
        home: '/tmp/x',
        redisUrl: 'http://redis:6379',
        databaseUrl: 'not a url',
        kafkaBrokers: ['kafka'],
        prewarm: -1,
        browsers: 40,
        logLevel: 'loud' as 'info',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformOptionsError);
    const options = (error as PlatformOptionsError).problems.map((p) => p.option);
    expect(options).toEqual([
      '--redis-url',
      '--database-url',
      '--kafka-brokers',
      '--prewarm',
      '--browsers',
      '--log-level',
    ]);
    expect((error as Error).message).toContain('--kafka-brokers: has "kafka", not host:port');
  });

  it('refuses separate processes without Kafka: they cannot share an in-process bus', () => {
    expect(() => resolvePlatformOptions({ home: '/tmp/x', mode: 'processes' })).toThrow(
      /--kafka-brokers: is required with --mode processes/,
    );
  });

  it('tells loopback hosts apart', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '10.0.0.1', '::'].map(isLoopback)).toEqual([false, false, false]);
    expect(dialHost('0.0.0.0')).toBe('127.0.0.1');
    expect(dialHost('::1')).toBe('[::1]');
  });
});

describe('planPorts', () => {
  let held: Server | undefined;
  afterEach(() => new Promise<void>((r) => (held ? held.close(() => r()) : r())));

  it('names the listener whose standard port is taken', async () => {
    held = createServer();
    await new Promise<void>((r) => held!.listen(0, '127.0.0.1', r));
    const port = (held.address() as { port: number }).port;
    const standard = { ...STANDARD_PORTS, demoSite: port };
    const error = await planPorts('127.0.0.1', 'standard', ['demoSite'], standard).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toBe(
      `port ${port} (demo site) is in use: stop what holds it, or start with --ports ephemeral`,
    );
    // Ephemeral planning picks distinct free ports instead.
    const plan = await planPorts('127.0.0.1', 'ephemeral', ['brokerGrpc', 'brokerHttp', 'demoSite'], standard);
    expect(new Set([plan.brokerGrpc, plan.brokerHttp, plan.demoSite]).size).toBe(3);
    expect(plan.demoSite).not.toBe(port);
  });
});

describe('endpoints file', () => {
  let home: string;
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('round-trips, is private, and is only removed by its owner', async () => {
    home = await mkdtemp(join(tmpdir(), 'ng-endpoints-'));
    const endpoints: PlatformEndpoints = {
      version: 1,
      pid: process.pid,
      mode: 'in-process',
      startedAt: '2026-11-26T00:00:00.000Z',
      services: {
        broker: { grpc: '127.0.0.1:50051', http: 'http://127.0.0.1:8081' },
        executor: { grpc: '127.0.0.1:50052', http: 'http://127.0.0.1:8082' },
        recordStore: { grpc: '127.0.0.1:50054', http: 'http://127.0.0.1:8084' },
        sidecars: [],
      },
      demoSite: 'http://127.0.0.1:8088',
    };
    const path = await writeEndpoints(home, endpoints);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readEndpoints(home)).toEqual(endpoints);
    await removeEndpoints(home, process.pid + 1);
    expect(await readEndpoints(home)).toEqual(endpoints);
    await removeEndpoints(home);
    expect(await readEndpoints(home)).toBeUndefined();
  });

  it('refuses a file of another shape', async () => {
    home = await mkdtemp(join(tmpdir(), 'ng-endpoints-'));
    await writeEndpoints(home, { version: 2 } as unknown as PlatformEndpoints);
    await expect(readEndpoints(home)).rejects.toThrow(/not a version 1 endpoints file/);
    expect(JSON.parse(await readFile(join(home, 'endpoints.json'), 'utf8'))).toEqual({ version: 2 });
  });
});

describe('stopParts', () => {
  it('stops newest first and keeps going past failures', async () => {
    const order: string[] = [];
    const problems = await stopParts([
      { name: 'a', stop: async () => order.push('a') },
      { name: 'b', stop: () => Promise.reject(new Error('boom')) },
      { name: 'c', stop: async () => false },
    ]);
    expect(order).toEqual(['a']);
    expect(problems).toEqual(['c: drain did not finish in time', 'b: boom']);
  });
});

function fakeLocalSource(): BrowserSource & { released: string[]; listener?: SourceListener } {
  let n = 0;
  const released: string[] = [];
  const source: BrowserSource & { released: string[]; listener?: SourceListener } = {
    kind: 'local',
    canLaunch: true,
    released,
    start: async (listener) => {
      source.listener = listener;
    },
    launch: async () => ({
      id: `local-${n++}`,
      wsUrl: 'ws://127.0.0.1:1/devtools/browser/x',
      headers: {},
      podName: '',
      sidecarAddress: '',
    }),
    release: async (id) => {
      released.push(id);
    },
    memoryBytes: () => undefined,
    close: async () => undefined,
  };
  return source;
}

describe('sidecar registry', () => {
  const pool = { name: 'default' } as PoolConfig;

  it('attaches a sidecar to every launched browser and stops it on release, crash and close', async () => {
    const stopped: string[] = [];
    const registry = createSidecarRegistry(
      async (endpoint: BrowserEndpoint, poolName): Promise<AttachedSidecar> => ({
        browserId: endpoint.id,
        grpc: `127.0.0.1:${7000 + Number(endpoint.id.slice(6))}`,
        http: `http://127.0.0.1:1/${poolName}`,
        stop: async () => {
          stopped.push(endpoint.id);
        },
      }),
      () => undefined,
    );
    const inner = fakeLocalSource();
    const source = registry.decorate(inner, pool);
    const removed: string[] = [];
    await source.start({ added: () => undefined, removed: (id) => removed.push(id) });
    const a = await source.launch({ id: 'x', proxyServer: '' });
    const b = await source.launch({ id: 'y', proxyServer: '' });
    const c = await source.launch({ id: 'z', proxyServer: '' });
    expect([a.sidecarAddress, b.sidecarAddress, c.sidecarAddress]).toEqual([
      '127.0.0.1:7000',
      '127.0.0.1:7001',
      '127.0.0.1:7002',
    ]);
    expect(registry.list().map((s) => s.browserId)).toEqual(['local-0', 'local-1', 'local-2']);
    await source.release('local-0');
    expect(stopped).toEqual(['local-0']);
    expect(inner.released).toEqual(['local-0']);
    inner.listener?.removed('local-1', 'browser process exited with signal SIGKILL', true);
    expect(removed).toEqual(['local-1']);
    await source.close();
    expect(stopped.sort()).toEqual(['local-0', 'local-1', 'local-2']);
    expect(registry.list()).toEqual([]);
  });

  it('releases the browser when its sidecar cannot start, and leaves other sources alone', async () => {
    const registry = createSidecarRegistry(
      () => Promise.reject(new Error('no sidecar')),
      () => undefined,
    );
    const inner = fakeLocalSource();
    const source = registry.decorate(inner, pool);
    await expect(source.launch({ id: 'x', proxyServer: '' })).rejects.toThrow('no sidecar');
    expect(inner.released).toEqual(['local-0']);
    const staticSource = { ...fakeLocalSource(), kind: 'static' as const, canLaunch: false };
    expect(registry.decorate(staticSource, pool)).toBe(staticSource);
  });
});
