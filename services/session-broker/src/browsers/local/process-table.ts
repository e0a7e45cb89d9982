/**
 * A read of Linux's process table (`/proc`): pid, process group, start time,
 * resident memory and command line. The local browser source uses it to
 * measure a browser's memory, to prove a stopped browser left no process, and
 * to find orphaned Chromium processes by the marker in their `--user-data-dir`.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** One process, as far as the broker cares. */
export type ProcessInfo = {
  readonly pid: number;
  readonly pgid: number;
  /** Process state letter (`R`, `S`, `Z` for a zombie, …). */
  readonly state: string;
  /** Start time in clock ticks since boot (`/proc/<pid>/stat` field 22): with the pid, a unique identity. */
  readonly startTime: number;
  /** Resident set size in bytes. */
  readonly rssBytes: number;
  /** The command line, arguments joined by spaces. */
  readonly cmdline: string;
};

const PAGE_SIZE = 4096;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** Parses `/proc/<pid>/stat`; the command name may contain spaces and parentheses, so fields are read after the last `)`. */
export function parseStat(
  text: string,
): { state: string; pgid: number; startTime: number; rssPages: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // after ")": state(3) ppid(4) pgrp(5) ... starttime(22) vsize(23) rss(24); index = field - 3
  const pgid = Number(fields[2]);
  const startTime = Number(fields[19]);
  const rssPages = Number(fields[21]);
  if (!Number.isFinite(pgid) || !Number.isFinite(startTime)) return undefined;
  return { state: fields[0] ?? '?', pgid, startTime, rssPages: Number.isFinite(rssPages) ? rssPages : 0 };
}

/** One process by pid, or undefined when it does not exist (zombies included as existing). */
export function readProcess(pid: number): ProcessInfo | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  const parsed = stat === undefined ? undefined : parseStat(stat);
  if (parsed === undefined) return undefined;
  const cmdline = (readText(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
  return {
    pid,
    pgid: parsed.pgid,
    state: parsed.state,
    startTime: parsed.startTime,
    rssBytes: parsed.rssPages * PAGE_SIZE,
    cmdline,
  };
}

/** Every process visible in `/proc`. */
export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name));
    if (info !== undefined) out.push(info);
  }
  return out;
}

/** Live processes of process group `pgid` (zombies, already dead and waiting to be reaped, are not counted). */
export function groupMembers(pgid: number): ProcessInfo[] {
  return listProcesses().filter((p) => p.pgid === pgid && p.state !== 'Z');
}

/** Whether a process with this pid and start time still exists. */
export function isSameProcessAlive(pid: number, startTime: number): boolean {
  return readProcess(pid)?.startTime === startTime;
}

/** Sends `signal` to a pid, ignoring "no such process". */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
