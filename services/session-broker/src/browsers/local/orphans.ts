/**
 * Orphan reaping. Every local browser's profile lives under the launching
 * broker's instance folder, `<LOCAL_DATA_DIR>/ngb-<broker pid>-<broker start time>/`,
 * and Chromium passes `--user-data-dir` to every child process, so the command
 * line of each Chromium process names the broker that owns it. A process whose
 * owner (pid + start time) is no longer running is an orphan, whoever it is:
 * reaped at start and after every crash. Browsers of other live brokers on the
 * same host are never touched.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcessAlive, listProcesses, readProcess, signalProcess } from './process-table.js';

/** The identity of this broker process and its instance folder. */
export type InstanceMarker = { readonly dir: string; readonly pid: number; readonly startTime: number };

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The marker of the current process under `dataDir`. */
export function currentInstanceMarker(dataDir: string): InstanceMarker {
  const startTime = readProcess(process.pid)?.startTime ?? 0;
  return { dir: join(dataDir, `ngb-${process.pid}-${startTime}`), pid: process.pid, startTime };
}

function ownerOf(name: string): { pid: number; startTime: number } | undefined {
  const m = /^ngb-(\d+)-(\d+)$/.exec(name);
  return m ? { pid: Number(m[1]), startTime: Number(m[2]) } : undefined;
}

/** What a reaping pass did. */
export type ReapResult = { readonly killed: number; readonly removedDirs: number };

/**
 * Kills every Chromium process under `dataDir` whose owning broker is gone,
 * and removes such brokers' instance folders. `self` is never reaped.
 */
export function reapOrphans(dataDir: string, self: InstanceMarker): ReapResult {
  const pattern = new RegExp(`--user-data-dir=${escape(dataDir)}/(ngb-\\d+-\\d+)/`);
  const isOrphanOwner = (name: string): boolean => {
    const owner = ownerOf(name);
    if (owner === undefined) return false;
    if (owner.pid === self.pid && owner.startTime === self.startTime) return false;
    return !isSameProcessAlive(owner.pid, owner.startTime);
  };
  let killed = 0;
  for (const p of listProcesses()) {
    const name = pattern.exec(p.cmdline)?.[1];
    if (name === undefined || p.pid === process.pid || !isOrphanOwner(name)) continue;
    signalProcess(p.pid, 'SIGKILL');
    killed++;
  }
  let removedDirs = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync(dataDir);
  } catch {
    entries = [];
  }
  for (const name of entries) {
    if (!isOrphanOwner(name)) continue;
    rmSync(join(dataDir, name), { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    removedDirs++;
  }
  return { killed, removedDirs };
}
