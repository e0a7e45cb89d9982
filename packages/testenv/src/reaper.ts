import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * Last-resort cleanup for server process groups, for when `stop()` never runs.
 *
 * Two layers: a process `'exit'` handler SIGKILLs every watched group (covers
 * `process.exit` and a normal end), and a small detached watchdog process holds
 * the read end of a pipe from us: when this process dies in any way (even
 * SIGKILL) the pipe closes and the watchdog SIGTERMs, then SIGKILLs, the groups
 * it was told about and removes their folders. It exits once no group is watched.
 */
const WATCHDOG = `
const groups = new Map();
let buffer = '';
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
const signal = (sig) => { for (const g of groups.keys()) { try { process.kill(-g, sig); } catch {} } };
const removeDirs = () => { for (const d of groups.values()) { if (d) { try { require('fs').rmSync(d, { recursive: true, force: true }); } catch {} } } };
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    const [id, dir] = line.slice(1).split('\\t');
    if (line[0] === '+') groups.set(Number(id), dir); else groups.delete(Number(id));
  }
});
process.stdin.on('close', () => {
  if (groups.size === 0) process.exit(0);
  signal('SIGTERM');
  setTimeout(() => { signal('SIGKILL'); setTimeout(() => { removeDirs(); process.exit(0); }, 500); }, 3000);
});
`;

/** Watched process groups and the folder to remove if they are orphaned. */
const watched = new Map<number, string>();
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
  for (const [pgid, dir] of watched) send(`+${pgid}\t${dir}`);
}

function onExit(): void {
  for (const pgid of watched.keys()) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Registers process group `pgid` for last-resort cleanup (see the module comment);
 * `dir`, if given, is removed after the group was killed that way.
 */
export function watchGroup(pgid: number, dir = ''): void {
  watched.set(pgid, dir);
  if (!exitHookInstalled) {
    process.once('exit', onExit);
    exitHookInstalled = true;
  }
  if (watchdog === undefined) startWatchdog();
  else send(`+${pgid}\t${dir}`);
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
