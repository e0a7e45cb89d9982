import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerProcess } from './process-group.js';
import { sleep } from './process-group.js';

/** The lowest port the kernel hands out to outgoing connections (Linux default 32768). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 2048 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** The range {@link freePort} draws from: below the ephemeral range, above well-known services. */
export const FREE_PORT_RANGE = { low: 15_000, high: Math.max(20_000, ephemeralLow()) - 1 } as const;

const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A free TCP port on 127.0.0.1 for a server that a test starts as a separate
 * process (it binds the port itself, a moment later). Drawn at random from
 * {@link FREE_PORT_RANGE}, below the kernel's ephemeral range: a port from that
 * range (what a listener on port 0 gets) can be taken in the meantime as the
 * local end of any outgoing connection, and a JVM or Go server starting next to
 * a busy apiserver and etcd then fails to bind. A port is handed out once per
 * process and checked free by listening on it.
 */
export async function freePort(): Promise<number> {
  const { low, high } = FREE_PORT_RANGE;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found on 127.0.0.1 in ${low}-${high} after 200 tries`);
}

/**
 * A fresh folder `/tmp/nightglow-<name>-XXXXXX`, mode 0755 so that a server run as
 * another user (postgres) can traverse it. Remove it with {@link removeServerDir}.
 */
export function createServerDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `nightglow-${name}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** Removes a folder made by {@link createServerDir}; never throws. */
export function removeServerDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // best effort: a leftover temp folder is harmless
  }
}

/** The last `lines` lines of a log file (empty if it is missing). */
export function logTail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '';
  }
}

/**
 * The first `max` lines of a log that report an error (ERROR, FATAL, an
 * exception or a failed bind): a server that gives up writes its orderly
 * shutdown after the cause, so the tail alone often hides it.
 */
export function logErrors(file: string, max = 12): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /\b(ERROR|FATAL|PANIC)\b|Exception|address already in use/i.test(line))
      .slice(0, max);
  } catch {
    return [];
  }
}

function failureReport(logFile: string): string {
  const errors = logErrors(logFile);
  const head = errors.length > 0 ? `first error lines:\n${errors.join('\n')}\n` : '';
  return `${head}last lines of ${logFile}:\n${logTail(logFile)}`;
}

/** Options for {@link waitUntilReady}. */
export interface ReadyOptions {
  /** Name used in errors, e.g. `redis-server`. */
  readonly what: string;
  readonly proc: ServerProcess;
  readonly logFile: string;
  /** Resolves true when the server really answers; a throw counts as "not yet". */
  readonly check: () => Promise<boolean>;
  /** Default 60 000 ms. */
  readonly timeoutMs?: number;
  /** Poll interval, default 50 ms. */
  readonly intervalMs?: number;
}

/**
 * Polls `check` until it passes. Fails fast, with the log's tail in the message, if
 * the process exits first or the timeout passes (after killing the process group).
 */
export async function waitUntilReady(options: ReadyOptions): Promise<void> {
  const { what, proc, logFile, check } = options;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const ok = await check().catch(() => false);
    if (ok) return;
    if (proc.exited()) {
      await proc.kill('SIGKILL').catch(() => undefined);
      const code = proc.child.exitCode ?? proc.child.signalCode;
      throw new Error(`${what} exited (${String(code)}) before it was ready; ${failureReport(logFile)}`);
    }
    if (Date.now() > deadline) {
      await proc.kill('SIGKILL').catch(() => undefined);
      throw new Error(`${what} not ready after ${options.timeoutMs ?? 60_000} ms; ${failureReport(logFile)}`);
    }
    await sleep(options.intervalMs ?? 50);
  }
}

/**
 * Runs `start`, and if it throws, runs `cleanup` before rethrowing, so that a server
 * that failed to start leaves neither a process nor a temp folder behind.
 */
export async function orCleanup<T>(start: () => Promise<T>, cleanup: () => Promise<void> | void): Promise<T> {
  try {
    return await start();
  } catch (error) {
    await cleanup();
    throw error;
  }
}
