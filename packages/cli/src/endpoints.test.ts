import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEndpointsFile } from './context.js';
import { homeDir, onHost, parseEndpointsFile, resolveEndpoints, type EndpointsFile } from './endpoints.js';
import { CliError, ExitCode } from './errors.js';

const none = () => undefined;
const file: EndpointsFile = {
  path: '/h/endpoints.json',
  services: { broker: 'http://127.0.0.1:18081', executor: 'http://127.0.0.1:18082', records: 'http://127.0.0.1:18084' },
  demoSite: 'http://127.0.0.1:18088',
};
const urls = (e: ReturnType<typeof resolveEndpoints>) => [e.broker.url, e.executor.url, e.records.url];

describe('endpoint resolution', () => {
  it('defaults to loopback with the standard HTTP ports', () => {
    const e = resolveEndpoints({ flags: {}, env: {}, readFile: none });
    expect(urls(e)).toEqual(['http://127.0.0.1:8081', 'http://127.0.0.1:8082', 'http://127.0.0.1:8084']);
    expect(e.broker.source).toBe('default');
  });

  it('--endpoint names one host for all, standard ports unless the URL names one', () => {
    expect(
      urls(resolveEndpoints({ flags: { endpoint: 'https://fleet.example.com' }, env: {}, readFile: none })),
    ).toEqual(['https://fleet.example.com:8081', 'https://fleet.example.com:8082', 'https://fleet.example.com:8084']);
    expect(urls(resolveEndpoints({ flags: { endpoint: 'gw.internal:9000' }, env: {}, readFile: none }))).toEqual([
      'http://gw.internal:9000',
      'http://gw.internal:9000',
      'http://gw.internal:9000',
    ]);
  });

  it('orders per-service flag > --endpoint > per-service env > NIGHTGLOW_ENDPOINT > endpoints.json > default', () => {
    const env = { NIGHTGLOW_EXECUTOR_URL: 'http://exec:1', NIGHTGLOW_ENDPOINT: 'http://all' };
    const e = resolveEndpoints({ flags: { broker: 'http://b:2' }, env, readFile: () => file });
    expect(urls(e)).toEqual(['http://b:2', 'http://exec:1', 'http://all:8084']);
    expect([e.broker.source, e.executor.source, e.records.source]).toEqual([
      '--broker',
      'NIGHTGLOW_EXECUTOR_URL',
      'NIGHTGLOW_ENDPOINT',
    ]);
    const f = resolveEndpoints({ flags: { records: 'http://r:3' }, env: {}, readFile: () => file });
    expect(urls(f)).toEqual(['http://127.0.0.1:18081', 'http://127.0.0.1:18082', 'http://r:3']);
    expect(f.broker.source).toBe('/h/endpoints.json');
    const g = resolveEndpoints({
      flags: { endpoint: 'h' },
      env: { NIGHTGLOW_BROKER_URL: 'http://x:1' },
      readFile: () => file,
    });
    expect(g.broker.url).toBe('http://h:8081');
  });

  it('reads endpoints.json only when a service is not named otherwise', () => {
    let reads = 0;
    resolveEndpoints({ flags: { endpoint: 'h' }, env: {}, readFile: () => (reads++, file) });
    expect(reads).toBe(0);
  });

  it('refuses a bad URL naming the flag or variable', () => {
    expect(() => resolveEndpoints({ flags: { broker: 'ftp://x' }, env: {}, readFile: none })).toThrow(
      '--broker: must be an http:// or https:// URL, got "ftp://x"',
    );
    expect(() => resolveEndpoints({ flags: {}, env: { NIGHTGLOW_RECORDS_URL: 'http://' }, readFile: none })).toThrow(
      /NIGHTGLOW_RECORDS_URL/,
    );
    try {
      onHost('http://[bad', 'broker', '--endpoint');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).exitCode).toBe(ExitCode.USAGE);
      expect((e as CliError).message).toMatch(/^--endpoint: not a URL/);
    }
  });

  it('home: --home, else NIGHTGLOW_HOME, else ~/.nightglow', () => {
    expect(homeDir('/a', { NIGHTGLOW_HOME: '/b' })).toBe('/a');
    expect(homeDir(undefined, { NIGHTGLOW_HOME: '/b' })).toBe('/b');
    expect(homeDir(undefined, {})).toMatch(/\.nightglow$/);
  });
});

describe('endpoints.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ng-cli-home-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses the file `up` writes (services.X.http, demoSite, pid, optional apiKey)', () => {
    const json = {
      version: 1,
      pid: 123,
      services: {
        broker: { grpc: '127.0.0.1:50051', http: 'http://127.0.0.1:8081' },
        executor: { grpc: '127.0.0.1:50052', http: 'http://127.0.0.1:8082/' },
        recordStore: { grpc: '127.0.0.1:50054', http: 'http://127.0.0.1:8084', apiKey: 'k' },
      },
      demoSite: 'http://127.0.0.1:8088',
    };
    writeFileSync(join(dir, 'endpoints.json'), JSON.stringify(json));
    expect(readEndpointsFile(dir)).toEqual({
      path: join(dir, 'endpoints.json'),
      pid: 123,
      services: {
        broker: 'http://127.0.0.1:8081',
        executor: 'http://127.0.0.1:8082',
        records: 'http://127.0.0.1:8084',
      },
      demoSite: 'http://127.0.0.1:8088',
      apiKey: 'k',
    });
  });

  it('is optional, and a broken one is refused naming the file and field', () => {
    expect(readEndpointsFile(join(dir, 'missing'))).toBeUndefined();
    writeFileSync(join(dir, 'endpoints.json'), '{"version":1,');
    expect(() => readEndpointsFile(dir)).toThrow(`${join(dir, 'endpoints.json')}: not valid JSON`);
    expect(() => parseEndpointsFile({ version: 2, services: {} }, 'f.json')).toThrow(
      'f.json: version: must be 1, got 2',
    );
    expect(() => parseEndpointsFile({ version: 1, services: { broker: { http: 5 } } }, 'f.json')).toThrow(
      'f.json: services.broker.http: must be a string',
    );
  });
});
