/**
 * The pool file (`POOLS_FILE`, or inline `POOLS`): YAML (JSON is YAML too)
 * with a `pools` list. Every field is validated and named in problems, e.g.
 * `pools[0].maxSessions: must be an integer in 1..10000, got 0`. The format is
 * documented in the service README.
 */
import { parse as parseYaml } from 'yaml';
import {
  checkLocale,
  checkProxyServer,
  checkStartUrl,
  checkTimezone,
  checkUserAgent,
} from '../sessions/option-checks.js';
import type { ViewportSpec } from '../sessions/record.js';
import { fieldReader, type FieldReader, type Problems } from './field-reader.js';
import {
  LOCAL_SOURCE_DEFAULTS,
  type PoolConfig,
  type PoolDefaults,
  type SourceConfig,
  type StaticEndpoint,
} from './pool-config.js';

const DNS_LABEL = { re: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, what: 'a DNS-1123 label (a-z, 0-9, -)' };
const POOL_KEYS = ['name', 'source', 'maxSessions', 'maxQueued', 'sessionsPerBrowser', 'maxTtl', 'labels'];
const SOURCE_KEYS = ['local', 'static', 'kubernetes', 'defaults'];

function readViewport(r: FieldReader): ViewportSpec {
  r.onlyKeys(['width', 'height', 'deviceScaleFactor', 'isMobile', 'hasTouch', 'isLandscape']);
  return {
    width: r.int('width', 1280, { min: 1, max: 16384 }),
    height: r.int('height', 720, { min: 1, max: 16384 }),
    deviceScaleFactor: r.number('deviceScaleFactor', 1, { min: 0, max: 10 }),
    isMobile: r.bool('isMobile', false),
    hasTouch: r.bool('hasTouch', false),
    isLandscape: r.bool('isLandscape', false),
  };
}

function checked(r: FieldReader, key: string, check: (v: string) => string | undefined): string | undefined {
  if (!r.has(key)) return undefined;
  const v = r.string(key, '');
  const problem = check(v);
  if (problem !== undefined) r.reject(key, problem);
  return v;
}

function readDefaults(r: FieldReader | undefined): PoolDefaults {
  if (r === undefined) return {};
  const keys = ['isolation', 'ttl', 'idleTimeout', 'queueTimeout', 'startUrl', 'waitUntil', 'viewport'];
  r.onlyKeys([...keys, 'userAgent', 'locale', 'timezoneId', 'proxyServer']);
  const out: { -readonly [K in keyof PoolDefaults]: PoolDefaults[K] } = {};
  if (r.has('isolation')) out.isolation = r.oneOf('isolation', ['CONTEXT', 'BROWSER'], 'CONTEXT');
  if (r.has('ttl')) out.ttlMs = r.durationMs('ttl', 0, 1);
  if (r.has('idleTimeout')) out.idleTimeoutMs = r.durationMs('idleTimeout', 0, 1);
  if (r.has('queueTimeout')) out.queueTimeoutMs = r.durationMs('queueTimeout', 0);
  if (r.has('waitUntil')) out.waitUntil = r.oneOf('waitUntil', ['NONE', 'DOMCONTENTLOADED', 'LOAD'], 'LOAD');
  const viewport = r.object('viewport');
  if (viewport) out.viewport = readViewport(viewport);
  const startUrl = checked(r, 'startUrl', checkStartUrl);
  if (startUrl !== undefined) out.startUrl = startUrl;
  const ua = checked(r, 'userAgent', checkUserAgent);
  if (ua !== undefined) out.userAgent = ua;
  const locale = checked(r, 'locale', checkLocale);
  if (locale !== undefined) out.locale = locale;
  const tz = checked(r, 'timezoneId', checkTimezone);
  if (tz !== undefined) out.timezoneId = tz;
  const proxy = checked(r, 'proxyServer', checkProxyServer);
  if (proxy !== undefined) out.proxyServer = proxy;
  return out;
}

function readStatic(r: FieldReader): SourceConfig {
  r.onlyKeys(['endpoints']);
  const endpoints: StaticEndpoint[] = r.list('endpoints').map((e, i) => {
    e.onlyKeys(['id', 'url', 'headers', 'sidecarAddress']);
    const url = e.string('url', '', { re: /^(https?|wss?):\/\/[^/\s]+/, what: 'an http(s):// or ws(s):// URL' });
    if (!e.has('url')) e.reject('url', 'is required');
    return {
      id: e.string('id', `static-${i}`, { re: /^[A-Za-z0-9._-]{1,63}$/, what: 'an id (A-Z, a-z, 0-9, ., _, -)' }),
      url,
      headers: e.stringMap('headers'),
      sidecarAddress: e.string('sidecarAddress', ''),
    };
  });
  if (endpoints.length === 0) r.reject('endpoints', 'must list at least one endpoint');
  return { kind: 'static', endpoints };
}

function readSource(pool: FieldReader, kind: 'local' | 'static' | 'kubernetes'): SourceConfig {
  const r = pool.section(kind);
  if (kind === 'static') return readStatic(r);
  if (kind === 'kubernetes') {
    r.onlyKeys(['namespace', 'service', 'labelSelector', 'portName', 'port', 'sidecarPort']);
    const service = r.string('service', '', DNS_LABEL);
    const labelSelector = r.string('labelSelector', service === '' ? '' : `kubernetes.io/service-name=${service}`);
    if (labelSelector === '') r.reject('service', 'is required (or labelSelector)');
    return {
      kind,
      namespace: r.string('namespace', 'default', DNS_LABEL),
      labelSelector,
      portName: r.string('portName', 'cdp-gateway'),
      port: r.int('port', 9223, { min: 1, max: 65535 }),
      sidecarPort: r.int('sidecarPort', 50053, { min: 0, max: 65535 }),
    };
  }
  r.onlyKeys(['prewarm', 'recycleAfterSessions', 'memoryBudget', 'extraArgs', 'idleBrowserTimeout']);
  const d = LOCAL_SOURCE_DEFAULTS;
  return {
    kind,
    prewarm: r.int('prewarm', d.prewarm, { min: 0, max: 64 }),
    recycleAfterSessions: r.int('recycleAfterSessions', d.recycleAfterSessions, { min: 0, max: 1_000_000 }),
    memoryBudgetBytes: r.bytes('memoryBudget', d.memoryBudgetBytes),
    extraArgs: r.stringList('extraArgs'),
    idleBrowserMs: r.durationMs('idleBrowserTimeout', d.idleBrowserMs),
  };
}

function readPool(r: FieldReader): PoolConfig {
  r.onlyKeys([...POOL_KEYS, ...SOURCE_KEYS]);
  const name = r.string('name', '', DNS_LABEL);
  if (!r.has('name')) r.reject('name', 'is required');
  const kind = r.oneOf('source', ['local', 'static', 'kubernetes'], 'local');
  const source = readSource(r, kind);
  for (const other of ['local', 'static', 'kubernetes'] as const) {
    if (other !== kind && r.has(other)) r.reject(other, `is set but source is ${kind}`);
  }
  const perBrowser = r.int('sessionsPerBrowser', 5, { min: 1, max: 1000 });
  const staticCapacity = source.kind === 'static' ? source.endpoints.length * perBrowser : 10;
  return {
    name,
    source,
    maxSessions: r.int('maxSessions', staticCapacity, { min: 1, max: 10_000 }),
    maxQueued: r.int('maxQueued', 100, { min: 0, max: 100_000 }),
    sessionsPerBrowser: perBrowser,
    maxTtlMs: r.durationMs('maxTtl', 0),
    labels: r.stringMap('labels'),
    defaults: readDefaults(r.object('defaults')),
  };
}

/** Parses and validates a pool file's text; returns the pools, or every problem found. */
export function parsePoolFile(text: string): { pools: PoolConfig[]; problems: Problems } {
  const problems: Problems = [];
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { pools: [], problems: [`not valid YAML/JSON: ${(e as Error).message.split('\n')[0] ?? ''}`] };
  }
  const root = fieldReader(doc, '', problems);
  root.onlyKeys(['pools']);
  const pools = root.list('pools').map(readPool);
  if (pools.length === 0 && problems.length === 0) problems.push('pools: must list at least one pool');
  const seen = new Set<string>();
  pools.forEach((p, i) => {
    if (seen.has(p.name)) problems.push(`pools[${i}].name: ${JSON.stringify(p.name)} is used twice`);
    seen.add(p.name);
  });
  return { pools, problems };
}
