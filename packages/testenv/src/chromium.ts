import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireFile, testenvPaths } from './paths.js';
import { groupMembers, spawnServer } from './process-group.js';
import { createServerDir, logTail, removeServerDir } from './server-support.js';

/** A headless Chromium reachable over CDP; `stop()` ends its whole process tree. */
export interface ChromiumBrowser {
  /** `ws://127.0.0.1:<port>/devtools/browser/<id>`, for `puppeteer.connect`. */
  readonly wsEndpoint: string;
  readonly pid: number;
  readonly userDataDir: string;
  /**
   * Kills the process group (SIGTERM, then SIGKILL), verifies no process of it is
   * left, and removes the profile folder. Rejects if anything survives.
   */
  stop(): Promise<void>;
}

/** Options for {@link launchChromium}. */
export interface ChromiumOptions {
  /** Extra command-line flags, appended after the defaults. */
  readonly args?: readonly string[];
  /** How long to wait for the DevTools line, default 30 000 ms. */
  readonly timeoutMs?: number;
}

/**
 * Flags for a quiet headless browser on a machine without outside network: no
 * background or component traffic, no QUIC, no first-run UI, no sync, no GPU,
 * and `--no-sandbox` when running as root (Chromium refuses root otherwise).
 */
export function chromiumFlags(userDataDir: string): string[] {
  const flags = [
    '--headless',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-quic',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-sync',
    '--password-store=basic',
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    `--user-data-dir=${userDataDir}`,
  ];
  if (process.getuid?.() === 0) flags.push('--no-sandbox');
  return flags;
}

/**
 * Spawns Debian's Chromium headless in its own process group with a fresh profile,
 * and resolves with the CDP endpoint it prints (`DevTools listening on ws://…`).
 */
export async function launchChromium(options: ChromiumOptions = {}): Promise<ChromiumBrowser> {
  const binary = requireFile('chromium', testenvPaths().chromium);
  const dir = createServerDir('chromium');
  const userDataDir = join(dir, 'profile');
  mkdirSync(userDataDir);
  const logFile = join(dir, 'chromium.log');
  const args = [...chromiumFlags(userDataDir), ...(options.args ?? []), 'about:blank'];
  const proc = spawnServer({ command: binary, args, logFile, cwd: dir, orphanDir: dir, pipeStderr: true });
  const stop = async (): Promise<void> => {
    await proc.kill('SIGTERM', 5_000);
    const left = groupMembers(proc.pid);
    if (left.length > 0) throw new Error(`chromium processes left after stop: ${left.join(', ')}`);
    removeServerDir(dir);
  };
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    const wsEndpoint = await new Promise<string>((resolve, reject) => {
      let seen = '';
      let found = false;
      const timer = setTimeout(
        () => reject(new Error(`chromium printed no DevTools endpoint within ${timeoutMs} ms`)),
        timeoutMs,
      );
      proc.child.stderr?.setEncoding('utf8');
      proc.child.stderr?.on('data', (chunk: string) => {
        try {
          appendFileSync(logFile, chunk);
        } catch {
          // the folder is gone after stop(); late output is dropped
        }
        if (found) return; // from here on the pipe is only drained into the log
        seen += chunk;
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          found = true;
          resolve(match[1]);
        }
      });
      proc.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`chromium exited (${String(code ?? signal)}) before printing its DevTools endpoint`));
      });
    });
    return { wsEndpoint, pid: proc.pid, userDataDir, stop };
  } catch (error) {
    const tail = logTail(logFile);
    await stop().catch(() => undefined);
    throw new Error(`${(error as Error).message}; last lines of its log:\n${tail}`, { cause: error });
  }
}
