/**
 * Launches one headless Chromium in its own process group with a fresh
 * profile and resolves with its CDP WebSocket URL (the `DevTools listening on`
 * line on stderr). `kill()` SIGKILLs the whole group, waits for the browser to
 * exit, checks that no process of the group is left and removes the profile.
 * Groups still alive when this process exits are SIGKILLed by an exit hook.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { BrokerError } from '../../errors.js';
import { groupMembers, listProcesses, signalProcess } from './process-table.js';

/** What to launch. */
export type LaunchSpec = {
  readonly executable: string;
  /** Fresh profile folder; its path carries the broker's orphan marker. */
  readonly userDataDir: string;
  readonly extraArgs: readonly string[];
  /** `--proxy-server` for a dedicated browser; empty for none. */
  readonly proxyServer: string;
  readonly noSandbox: boolean;
  readonly timeoutMs: number;
};

/** A running Chromium. */
export type LaunchedChromium = {
  readonly pid: number;
  readonly wsUrl: string;
  readonly userDataDir: string;
  /** Resolves when the browser process exits, with how. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Kills the process group, waits for the exit, kills stragglers by profile path, removes the profile. */
  kill(): Promise<void>;
};

/** Process groups launched by this process and not yet killed: SIGKILLed if the process exits first. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function track(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const g of liveGroups) signalProcess(-g, 'SIGKILL');
  });
}

/** The flags every local browser gets (see TESTENV.md), then the pool's extra flags. */
export function chromiumArgs(spec: LaunchSpec): string[] {
  const args = [
    '--headless',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-quic',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-sync',
    '--password-store=basic',
    '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
    '--disable-renderer-backgrounding',
    '--disable-dev-shm-usage',
    '--mute-audio',
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    `--user-data-dir=${spec.userDataDir}`,
  ];
  if (spec.noSandbox) args.push('--no-sandbox');
  if (spec.proxyServer !== '') args.push(`--proxy-server=${spec.proxyServer}`);
  return [...args, ...spec.extraArgs, 'about:blank'];
}

/** Kills every process whose command line names `userDataDir` (stragglers outside the group). */
export function killByProfile(userDataDir: string): number {
  const marker = `--user-data-dir=${userDataDir}`;
  const victims = listProcesses().filter((p) => p.cmdline.includes(marker) && p.pid !== process.pid);
  for (const p of victims) signalProcess(p.pid, 'SIGKILL');
  return victims.length;
}

/** Launches Chromium per `spec`; rejects with UNAVAILABLE when it exits or stays silent first. */
export async function launchLocalChromium(spec: LaunchSpec): Promise<LaunchedChromium> {
  mkdirSync(spec.userDataDir, { recursive: true });
  const child = spawn(spec.executable, chromiumArgs(spec), { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = child.pid;
  if (pid !== undefined) track(pid);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const kill = async (): Promise<void> => {
    if (pid !== undefined) signalProcess(-pid, 'SIGKILL');
    await exited;
    for (let i = 0; i < 50 && pid !== undefined && groupMembers(pid).length > 0; i++) {
      signalProcess(-pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 20));
    }
    killByProfile(spec.userDataDir);
    if (pid !== undefined) liveGroups.delete(pid);
    rmSync(spec.userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  };
  if (pid === undefined) {
    await kill();
    throw new BrokerError('UNAVAILABLE', `cannot start ${spec.executable}`);
  }
  try {
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => reject(new Error(`no DevTools endpoint within ${spec.timeoutMs} ms`)),
        spec.timeoutMs,
      );
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        if (seen.length > 64 * 1024) return; // found or hopeless: keep draining the pipe, stop buffering
        seen += chunk;
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
        if (m?.[1] !== undefined) {
          clearTimeout(timer);
          seen = ' '.repeat(64 * 1024 + 1);
          resolve(m[1]);
        }
      });
      child.once('error', (e) => reject(e));
      void exited.then(({ code, signal }) => reject(new Error(`chromium exited (${signal ?? code}) before listening`)));
    });
    return { pid, wsUrl, userDataDir: spec.userDataDir, exited, kill };
  } catch (e) {
    await kill();
    throw new BrokerError('UNAVAILABLE', `cannot launch Chromium: ${(e as Error).message}`, { cause: e });
  }
}
