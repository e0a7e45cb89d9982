/**
 * Pools and their browsers → the proto `Pool` and `Browser` (browsers as this
 * replica holds them; capacity pool-wide for a pool whose seats are shared).
 */
import { create, fromJson } from '@bufbuild/protobuf';
import { durationFromMs, timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  BrowserSchema,
  BrowserState,
  PoolSchema,
  PoolSource,
  SessionOptionsSchema,
  type Browser,
  type Pool,
  type SessionOptions,
} from '@nightglow/contracts/broker/v1';
import type { ManagedBrowser } from './browser-fleet.js';
import type { PoolDefaults } from './pool-config.js';
import type { BrowserStateName } from './placement.js';
import type { PoolRuntime } from './pool-registry.js';

const BROWSER_STATE: Readonly<Record<BrowserStateName, BrowserState>> = {
  STARTING: BrowserState.STARTING,
  READY: BrowserState.READY,
  DRAINING: BrowserState.DRAINING,
  UNHEALTHY: BrowserState.UNHEALTHY,
};

const SOURCE: Readonly<Record<PoolRuntime['config']['source']['kind'], PoolSource>> = {
  local: PoolSource.LOCAL,
  static: PoolSource.STATIC,
  kubernetes: PoolSource.KUBERNETES,
};

const durationJson = (ms: number): string => `${ms / 1000}s`;

/** Pool defaults as the proto SessionOptions (unset stays unset). */
export function defaultsToProto(d: PoolDefaults): SessionOptions {
  const json: Record<string, unknown> = {};
  if (d.isolation !== undefined) json['isolation'] = `ISOLATION_${d.isolation}`;
  if (d.ttlMs !== undefined) json['ttl'] = durationJson(d.ttlMs);
  if (d.idleTimeoutMs !== undefined) json['idleTimeout'] = durationJson(d.idleTimeoutMs);
  if (d.queueTimeoutMs !== undefined) json['queueTimeout'] = durationJson(d.queueTimeoutMs);
  if (d.startUrl) json['startUrl'] = d.startUrl;
  if (d.waitUntil !== undefined) json['waitUntil'] = `WAIT_UNTIL_${d.waitUntil}`;
  if (d.viewport !== undefined) json['viewport'] = { ...d.viewport };
  if (d.userAgent) json['userAgent'] = d.userAgent;
  if (d.locale) json['locale'] = d.locale;
  if (d.timezoneId) json['timezoneId'] = d.timezoneId;
  if (d.proxyServer) json['proxyServer'] = d.proxyServer;
  return fromJson(SessionOptionsSchema, json as never);
}

/** One browser as the proto `Browser`. */
export function browserToProto(b: ManagedBrowser, sessionsPerBrowser: number): Browser {
  return create(BrowserSchema, {
    id: b.id,
    state: BROWSER_STATE[b.state],
    sessionCount: b.sessions.size,
    maxSessions: b.role === 'dedicated' ? 1 : sessionsPerBrowser,
    sessionsServed: BigInt(b.sessionsServed),
    warm: b.role === 'warm' && b.state === 'READY' && b.sessions.size === 0,
    version: b.agent?.version ?? '',
    ...(b.startTimeMs > 0 ? { startTime: timestampFromMs(b.startTimeMs) } : {}),
    podName: b.endpoint?.podName ?? '',
    sidecarAddress: b.endpoint?.sidecarAddress ?? '',
  });
}

/** Seats taken and requests waiting (pool-wide for a shared pool). */
export type CapacityFigures = { readonly inUse: number; readonly queued: number };

/** A pool as the proto `Pool`; browsers only with `withBrowsers` (GetPool). */
export function poolToProto(p: PoolRuntime, figures: CapacityFigures, withBrowsers: boolean): Pool {
  const c = p.config;
  const browsers = p.fleet.list();
  return create(PoolSchema, {
    name: c.name,
    source: SOURCE[c.source.kind],
    maxSessions: c.maxSessions,
    inUse: figures.inUse,
    queued: figures.queued,
    maxQueued: c.maxQueued,
    warm: browsers.filter((b) => b.role === 'warm' && b.state === 'READY').length,
    prewarmTarget: c.source.kind === 'local' ? c.source.prewarm : 0,
    browserCount: browsers.length,
    readyBrowserCount: browsers.filter((b) => b.state === 'READY').length,
    sessionsPerBrowser: c.sessionsPerBrowser,
    defaults: defaultsToProto(c.defaults),
    ...(c.maxTtlMs > 0 ? { maxTtl: durationFromMs(c.maxTtlMs) } : {}),
    labels: { ...c.labels },
    browsers: withBrowsers ? browsers.map((b) => browserToProto(b, c.sessionsPerBrowser)) : [],
  });
}
