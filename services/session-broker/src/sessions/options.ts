/**
 * Session options: validation of what a client asked for, and resolution into
 * the effective options (request → pool defaults → built-in defaults). Every
 * bad field is reported at once, named by its proto path (`options.ttl`).
 */
import { toJson } from '@bufbuild/protobuf';
import type { Duration } from '@bufbuild/protobuf/wkt';
import { Isolation, SessionOptionsSchema, type SessionOptions } from '@nightglow/contracts/broker/v1';
import { WaitUntil, type Viewport } from '@nightglow/contracts/common/v1';
import { invalidFields, type BrokerFieldViolation } from '../errors.js';
import { BUILTIN_DEFAULTS, type PoolConfig } from '../pools/pool-config.js';
import { labelViolations } from './labels.js';
import {
  checkDimension,
  checkLocale,
  checkProxyServer,
  checkScaleFactor,
  checkStartUrl,
  checkTimezone,
  checkUserAgent,
} from './option-checks.js';
import type { EffectiveOptions, IsolationName, ViewportSpec, WaitUntilName } from './record.js';

/** Milliseconds of a Duration (negative when either part is negative). */
export function durationToMs(d: Duration): number {
  return Number(d.seconds) * 1000 + Math.trunc(d.nanos / 1e6);
}

function isolationName(v: Isolation): IsolationName | undefined | 'bad' {
  if (v === Isolation.UNSPECIFIED) return undefined;
  if (v === Isolation.CONTEXT) return 'CONTEXT';
  if (v === Isolation.BROWSER) return 'BROWSER';
  return 'bad';
}

function waitUntilName(v: WaitUntil): WaitUntilName | undefined | 'bad' {
  if (v === WaitUntil.UNSPECIFIED) return undefined;
  if (v === WaitUntil.NONE) return 'NONE';
  if (v === WaitUntil.DOMCONTENTLOADED) return 'DOMCONTENTLOADED';
  if (v === WaitUntil.LOAD) return 'LOAD';
  return 'bad';
}

function durationProblem(d: Duration | undefined, allowZero: boolean): string | undefined {
  if (d === undefined) return undefined;
  const negative = d.seconds < 0n || d.nanos < 0;
  if (allowZero) return negative ? 'must not be negative' : undefined;
  return negative || durationToMs(d) <= 0 ? 'must be positive' : undefined;
}

function checkViewport(v: Viewport | undefined, out: BrokerFieldViolation[]): void {
  if (v === undefined) return;
  const add = (field: string, problem: string | undefined): void => {
    if (problem !== undefined) out.push({ field: `options.viewport.${field}`, description: problem });
  };
  add('width', checkDimension(v.width));
  add('height', checkDimension(v.height));
  add('device_scale_factor', checkScaleFactor(v.deviceScaleFactor));
}

/** Every violation of `options` and `labels` as requested for a session in `pool`. */
export function optionViolations(
  options: SessionOptions | undefined,
  labels: Readonly<Record<string, string>>,
  pool: PoolConfig,
): BrokerFieldViolation[] {
  const out: BrokerFieldViolation[] = labelViolations(labels, 'labels');
  if (options === undefined) return out;
  const add = (field: string, problem: string | undefined): void => {
    if (problem !== undefined) out.push({ field: `options.${field}`, description: problem });
  };
  const isolation = isolationName(options.isolation);
  if (isolation === 'bad') add('isolation', `unknown isolation ${options.isolation} (use CONTEXT or BROWSER)`);
  const effectiveIsolation = isolation === 'bad' ? undefined : (isolation ?? pool.defaults.isolation);
  if (effectiveIsolation === 'BROWSER' && pool.source.kind !== 'local') {
    add('isolation', `BROWSER isolation needs a local pool; pool ${pool.name} is ${pool.source.kind}`);
  }
  add('ttl', durationProblem(options.ttl, false));
  add('idle_timeout', durationProblem(options.idleTimeout, false));
  add('queue_timeout', durationProblem(options.queueTimeout, true));
  add('start_url', checkStartUrl(options.startUrl));
  if (waitUntilName(options.waitUntil) === 'bad') add('wait_until', 'must be NONE, DOMCONTENTLOADED or LOAD');
  checkViewport(options.viewport, out);
  add('user_agent', checkUserAgent(options.userAgent));
  add('locale', checkLocale(options.locale));
  add('timezone_id', checkTimezone(options.timezoneId));
  add('proxy_server', checkProxyServer(options.proxyServer));
  return out;
}

function viewportOf(v: Viewport | undefined, fallback: ViewportSpec): ViewportSpec {
  if (v === undefined) return fallback;
  return {
    width: v.width,
    height: v.height,
    deviceScaleFactor: v.deviceScaleFactor === 0 ? 1 : v.deviceScaleFactor,
    isMobile: v.isMobile,
    hasTouch: v.hasTouch,
    isLandscape: v.isLandscape,
  };
}

const orDefault = (value: string, fallback: string): string => (value === '' ? fallback : value);

/**
 * Validates and resolves the options of a new session in `pool`. Throws
 * INVALID_ARGUMENT naming every bad field. The TTL is capped by the pool's max_ttl.
 */
export function resolveOptions(
  options: SessionOptions | undefined,
  labels: Readonly<Record<string, string>>,
  pool: PoolConfig,
): EffectiveOptions {
  const violations = optionViolations(options, labels, pool);
  if (violations.length > 0) throw invalidFields(violations);
  const d = { ...BUILTIN_DEFAULTS, ...pool.defaults };
  const o = options;
  const ms = (v: Duration | undefined, fallback: number): number => (v === undefined ? fallback : durationToMs(v));
  const ttlMs = ms(o?.ttl, d.ttlMs);
  const isolation = o ? isolationName(o.isolation) : undefined;
  const waitUntil = o ? waitUntilName(o.waitUntil) : undefined;
  return {
    isolation: isolation === 'bad' || isolation === undefined ? d.isolation : isolation,
    ttlMs: pool.maxTtlMs > 0 ? Math.min(ttlMs, pool.maxTtlMs) : ttlMs,
    idleTimeoutMs: ms(o?.idleTimeout, d.idleTimeoutMs),
    queueTimeoutMs: ms(o?.queueTimeout, d.queueTimeoutMs),
    startUrl: orDefault(o?.startUrl ?? '', d.startUrl),
    waitUntil: waitUntil === 'bad' || waitUntil === undefined ? d.waitUntil : waitUntil,
    viewport: viewportOf(o?.viewport, d.viewport),
    userAgent: orDefault(o?.userAgent ?? '', d.userAgent),
    locale: orDefault(o?.locale ?? '', d.locale),
    timezoneId: orDefault(o?.timezoneId ?? '', d.timezoneId),
    proxyServer: orDefault(o?.proxyServer ?? '', d.proxyServer),
  };
}

/** The requested options in proto JSON form, for storage (unset fields stay unset). */
export function requestedOptionsJson(options: SessionOptions | undefined): Record<string, unknown> {
  if (options === undefined) return {};
  return toJson(SessionOptionsSchema, options) as Record<string, unknown>;
}
