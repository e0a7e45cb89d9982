import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * Last-resort cleanup for server process groups, for when `stop()` never runs.
 *
 * Two layers: a process `'exit'` handler SIGKILLs every watched group (covers
 * `process.exit` and a normal end), and a small detached watchdog process holds
 * the read end of a pipe from us: when this process dies in any way (even
 * SIGKILL) the pipe closes and the watchdog SIGTERMs, then SIGKILLs, the groups
 * it was told about. The watchdog exits as soon as no group is watched.
 */
const WATCHDOG = `
const groups = new Set();
let buffer = '';
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
const signal = (sig) => { for (const g of groups) { try { process.kill(-g, sig); } catch {} } };
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    const pgid = Number(line.slice(1));
    if (line[0] === '+') groups.add(pgid); else groups.delete(pgid);
  }
});
process.stdin.on('close', () => {
  if (groups.size === 0) process.exit(0);
  signal('SIGTERM');
  setTimeout(() => { signal('SIGKILL'); process.exit(0); }, 3000);
});
`;

const watched = new Set<number>();
let watchdog: ChildProcess | undefined;
let exitHookInstalled = false;

function send(line: string): void {
  const stdin = watchdog?.stdin as (Writable & { unref?: () => void }) | null | undefined;
  if (stdin && !stdin.destroyed) stdin.write(`${line}\n`);
}

function startWatchdog(): void {
  const child = spawn(process.execPath, ['-e', WATCHDOG], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => {
    watchdog = undefined;
  });
  child.once('exit', () => {
    if (watchdog === child) watchdog = undefined;
  });
  child.unref();
  const stdin = child.stdin as (Writable & { unref?: () => void }) | null;
  stdin?.on('error', () => {});
  stdin?.unref?.();
  watchdog = child;
  for (const pgid of watched) send(`+${pgid}`);
}

function onExit(): void {
  for (const pgid of watched) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Registers process group `pgid` for last-resort cleanup (see the module comment). */
export function watchGroup(pgid: number): void {
  watched.add(pgid);
  if (!exitHookInstalled) {
    process.once('exit', onExit);
    exitHookInstalled = true;
  }
  if (watchdog === undefined) startWatchdog();
  else send(`+${pgid}`);
}

/** Forgets `pgid` once it stopped cleanly; ends the watchdog when none is left. */
export function unwatchGroup(pgid: number): void {
  watched.delete(pgid);
  send(`-${pgid}`);
  if (watched.size === 0 && watchdog !== undefined) {
    watchdog.stdin?.end();
    watchdog = undefined;
  }
}
