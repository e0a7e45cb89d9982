/**
 * The platform handle both run modes return, and the pieces they share: the
 * environment every service gets, the default pool, the wait for warm
 * browsers, the leftover-Chromium check, and an ordered teardown that keeps
 * going when one part fails.
 */
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { SessionBroker } from '@nightglow/contracts/broker/v1';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { endpointsPath, removeEndpoints, writeEndpoints, type PlatformEndpoints } from './endpoints-file.js';
import type { PortPlan } from './ports.js';
import type { PlatformOptions } from './options.js';

/** What `stop` reports. */
export type StopReport = {
  /** Every part stopped without error and every drain finished in time. */
  readonly clean: boolean;
  /** Chromium processes of this platform still alive afterwards (0 when the teardown worked). */
  readonly leftoverChromium: number;
  /** One line per part that failed to stop. */
  readonly problems: readonly string[];
};

/** A running platform. */
export type Platform = {
  readonly options: PlatformOptions;
  readonly endpoints: PlatformEndpoints;
  /** Where `endpoints.json` was written. */
  readonly endpointsFile: string;
  /** Where the services log (one file in-process; a folder of files with processes). */
  readonly logs: string;
  /** Milliseconds from the call to ready (services serving, browsers warm). */
  readonly startupMs: number;
  /** Resolves when a part died on its own (processes mode) with what died; never resolves otherwise. */
  readonly failed: Promise<string>;
  /** Drains and stops everything, newest part first; idempotent. */
  stop(): Promise<StopReport>;
};

/** A stop step with a name for the report. */
export type Part = { readonly name: string; readonly stop: () => Promise<unknown> };

/** Runs `parts` newest first, collecting failures instead of stopping at the first. */
export async function stopParts(parts: Part[]): Promise<string[]> {
  const problems: string[] = [];
  for (const part of [...parts].reverse()) {
    try {
      const result = await part.stop();
      if (result === false) problems.push(`${part.name}: drain did not finish in time`);
    } catch (e) {
      problems.push(`${part.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  parts.length = 0;
  return problems;
}

/** `0.0.0.0`/`::` bind everything; dial loopback instead. IPv6 literals get brackets. */
export function dialHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Variables every service of the platform gets. */
export function commonEnv(o: PlatformOptions): Record<string, string> {
  const env: Record<string, string> = {
    BIND_HOST: o.host,
    LOG_LEVEL: o.logLevel,
    SHUTDOWN_TIMEOUT: '10s',
    KAFKA_TOPIC_PREFIX: o.topicPrefix,
    EVENT_BUS: o.kafkaBrokers.length > 0 ? 'kafka' : 'memory',
  };
  if (o.kafkaBrokers.length > 0) env['KAFKA_BROKERS'] = o.kafkaBrokers.join(',');
  return env;
}

/** State-store variables of the broker and the executor. */
export function stateEnv(o: PlatformOptions, keyPrefix: string): Record<string, string> {
  return o.redisUrl === undefined
    ? { STATE_STORE: 'memory' }
    : { STATE_STORE: 'redis', REDIS_URL: o.redisUrl, REDIS_KEY_PREFIX: keyPrefix };
}

/**
 * Waits until the default pool has `warm` prewarmed browsers (or, with a
 * static pool, `ready` endpoints), asking the broker over gRPC.
 */
export async function waitForPool(
  brokerGrpc: string,
  want: { readonly warm: number; readonly ready: number },
  timeoutMs: number,
): Promise<void> {
  const client = createClient(SessionBroker, createGrpcTransport({ baseUrl: `http://${brokerGrpc}` }));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const { pool } = await client.getPool({ pool: 'default' }, { timeoutMs: 2000 });
      if (pool !== undefined && pool.warm >= want.warm && pool.readyBrowserCount >= want.ready) return;
      last = `warm ${pool?.warm ?? 0}/${want.warm}, ready browsers ${pool?.readyBrowserCount ?? 0}/${want.ready}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the default pool did not become ready within ${timeoutMs} ms (${last})`);
}

/** Pids of live Chromium processes whose command line names a profile under `profilesRoot`. */
function chromiumPidsUnder(profilesRoot: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (cmdline.includes(`--user-data-dir=${profilesRoot}`)) pids.push(Number(entry));
  }
  return pids;
}

/** Counts live Chromium processes whose command line names a profile under `profilesRoot`. */
export function chromiumUnder(profilesRoot: string): number {
  return chromiumPidsUnder(profilesRoot).length;
}

/**
 * SIGKILLs Chromium left under `profilesRoot` by a platform that was killed
 * (its browsers run in their own process groups); returns how many.
 */
export function reapChromiumUnder(profilesRoot: string): number {
  const pids = chromiumPidsUnder(profilesRoot);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  return pids.length;
}

/** Whether process `pid` is alive (signal 0; EPERM means alive but not ours). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The listeners a platform with options `o` opens (besides the per-browser sidecars). */
export function neededPorts(o: PlatformOptions): (keyof PortPlan)[] {
  const needed: (keyof PortPlan)[] = ['brokerGrpc', 'brokerHttp', 'executorGrpc', 'executorHttp'];
  needed.push('recordStoreGrpc', 'recordStoreHttp');
  if (o.demoSite) needed.push('demoSite');
  if (o.kubeconfig !== undefined) needed.push('operatorMetrics', 'operatorProbes');
  return needed;
}

/**
 * The last step of both run modes: writes `endpoints.json` (removed again as the first part
 * to stop) and returns the handle whose `stop` runs `parts` newest first and then counts the
 * Chromium left under `profiles`.
 */
export async function finishStart(
  o: PlatformOptions,
  run: {
    readonly endpoints: PlatformEndpoints;
    readonly parts: Part[];
    readonly logs: string;
    readonly profiles: string;
    readonly startedAt: number;
    readonly failed: Promise<string>;
  },
): Promise<Platform> {
  await writeEndpoints(o.home, run.endpoints);
  run.parts.push({ name: 'endpoints file', stop: () => removeEndpoints(o.home) });
  const startupMs = performance.now() - run.startedAt;
  let stopping: Promise<StopReport> | undefined;
  const stop = async (): Promise<StopReport> => {
    const problems = await stopParts(run.parts);
    return { clean: problems.length === 0, leftoverChromium: chromiumUnder(run.profiles), problems };
  };
  return {
    options: o,
    endpoints: run.endpoints,
    endpointsFile: endpointsPath(o.home),
    logs: run.logs,
    startupMs,
    failed: run.failed,
    stop: () => (stopping ??= stop()),
  };
}
