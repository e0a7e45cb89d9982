import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerProcess } from './process-group.js';
import { sleep } from './process-group.js';

/**
 * A free TCP port on 127.0.0.1: the kernel picks one for a listener on port 0,
 * which is closed again before the port is handed out. Another process could take
 * it in between; on a test machine that race is rare enough to accept.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
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
      throw new Error(
        `${what} exited (${String(code)}) before it was ready; last lines of ${logFile}:\n${logTail(logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      await proc.kill('SIGKILL').catch(() => undefined);
      throw new Error(
        `${what} not ready after ${options.timeoutMs ?? 60_000} ms; last lines of ${logFile}:\n${logTail(logFile)}`,
      );
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
