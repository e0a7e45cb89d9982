import { describe, expect, it } from 'vitest';
import { parsePoolFile } from './pool-file.js';

describe('pool file', () => {
  it('reads a YAML file with every source kind and applies defaults', () => {
    const { pools, problems } = parsePoolFile(`
pools:
  - name: default
    maxSessions: 20
    sessionsPerBrowser: 4
    maxTtl: 1h
    labels: { team: search }
    defaults:
      isolation: BROWSER
      ttl: 5m
      viewport: { width: 800, height: 600, deviceScaleFactor: 2 }
      locale: de-DE
    local: { prewarm: 2, memoryBudget: 1GiB, extraArgs: [--lang=de] }
  - name: fixed
    source: static
    static:
      endpoints:
        - { id: a, url: "http://10.0.0.1:9222" }
        - { url: "ws://10.0.0.2:9222/devtools/browser/x", headers: { x-secret: s } }
  - name: pods
    source: kubernetes
    kubernetes: { namespace: browsers, service: search-browsers }
`);
    expect(problems).toEqual([]);
    const [local, fixed, pods] = pools;
    expect(local).toMatchObject({
      name: 'default',
      maxSessions: 20,
      maxQueued: 100,
      maxTtlMs: 3_600_000,
      labels: { team: 'search' },
      defaults: { isolation: 'BROWSER', ttlMs: 300_000, locale: 'de-DE' },
      source: { kind: 'local', prewarm: 2, memoryBudgetBytes: 1024 ** 3, extraArgs: ['--lang=de'] },
    });
    expect(local?.defaults.viewport).toMatchObject({ width: 800, height: 600, deviceScaleFactor: 2, isMobile: false });
    expect(fixed?.source).toMatchObject({
      kind: 'static',
      endpoints: [{ id: 'a' }, { id: 'static-1', headers: { 'x-secret': 's' } }],
    });
    expect(fixed?.maxSessions).toBe(10); // 2 endpoints x 5 per browser
    expect(pods?.source).toMatchObject({
      kind: 'kubernetes',
      namespace: 'browsers',
      labelSelector: 'kubernetes.io/service-name=search-browsers',
      portName: 'cdp-gateway',
    });
  });

  it('reads JSON too', () => {
    expect(parsePoolFile('{"pools":[{"name":"a"}]}').problems).toEqual([]);
  });

  it('names every bad field', () => {
    const { problems } = parsePoolFile(`
pools:
  - name: Bad_Name
    maxSessions: 0
    sessionsPerBrowser: many
    maxTtl: soon
    defaults: { isolation: PROCESS, startUrl: "ftp://x", timezoneId: Mars/Base, color: red }
    local: { prewarm: -1 }
    static: { endpoints: [] }
  - name: fixed
    source: static
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pools\[0\]\.name: "Bad_Name" is not a DNS-1123 label/),
        expect.stringMatching(/^pools\[0\]\.maxSessions: must be an integer in 1\.\.10000, got 0/),
        expect.stringMatching(/^pools\[0\]\.sessionsPerBrowser: must be an integer/),
        expect.stringMatching(/^pools\[0\]\.maxTtl: must be a duration/),
        expect.stringMatching(/^pools\[0\]\.defaults\.isolation: must be one of CONTEXT, BROWSER/),
        expect.stringMatching(/^pools\[0\]\.defaults\.startUrl: must be an absolute http\(s\) URL/),
        expect.stringMatching(/^pools\[0\]\.defaults\.timezoneId: must be an IANA time zone/),
        expect.stringMatching(/^pools\[0\]\.defaults\.color: is not a known field/),
        expect.stringMatching(/^pools\[0\]\.local\.prewarm: must be an integer in 0\.\.64, got -1/),
        expect.stringMatching(/^pools\[0\]\.static: is set but source is local/),
        expect.stringMatching(/^pools\[1\]\.static\.endpoints: must list at least one endpoint/),
      ]),
    );
  });

  it('refuses duplicate names, an empty list and broken YAML', () => {
    expect(parsePoolFile('pools: [{name: a}, {name: a}]').problems).toEqual(['pools[1].name: "a" is used twice']);
    expect(parsePoolFile('pools: []').problems).toEqual(['pools: must list at least one pool']);
    expect(parsePoolFile('pools: [').problems[0]).toMatch(/^not valid YAML\/JSON/);
    expect(parsePoolFile('pool: []').problems).toContain('pool: is not a known field (known: pools)');
  });
});
