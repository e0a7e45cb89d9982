import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { watchGroup, unwatchGroup } from './reaper.js';

/** How to start one server process. */
export interface SpawnOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr are appended here; its tail goes into start errors. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Run as this user (numeric ids), e.g. postgres when we are root. */
  readonly uid?: number;
  readonly gid?: number;
  /** Folder to remove if the process is orphaned (see reaper.ts); usually the server's temp dir. */
  readonly orphanDir?: string;
  /** Keep stderr as a pipe too (the log still gets it), e.g. to read Chromium's endpoint. */
  readonly pipeStderr?: boolean;
}

/**
 * A server process that leads its own process group, so that stopping it also ends
 * every child it forked. Lifecycle: RUNNING until {@link ServerProcess.kill} resolves.
 */
export interface ServerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** True once the process itself has exited (its group may still hold children). */
  exited(): boolean;
  /**
   * Sends `signal` to the whole group, waits up to `graceMs` (default 10 000) for it
   * to empty, then SIGKILLs what is left; rejects if anything survives that.
   * Resolves once the group is empty and the process itself has been reaped.
   */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** Starts `command` detached in a new process group, logging to `logFile`. */
export function spawnServer(options: SpawnOptions): ServerProcess {
  const out = openSync(options.logFile, 'a');
  const child = spawn(options.command, options.args, {
    detached: true,
    stdio: ['ignore', out, options.pipeStderr === true ? 'pipe' : out],
    env: options.env ?? process.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.command}`);
  let done = false;
  const reaped = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true;
      resolve();
    });
    child.on('error', () => {
      done = true;
      resolve();
    });
  });
  watchGroup(pid, options.orphanDir);
  return {
    pid,
    child,
    exited: () => done,
    async kill(signal = 'SIGTERM', graceMs = 10_000) {
      signalGroup(pid, signal);
      if (!(await waitGroupEmpty(pid, graceMs))) {
        signalGroup(pid, 'SIGKILL');
        if (!(await waitGroupEmpty(pid, 5_000))) {
          throw new Error(
            `process group ${pid} (${options.command}) survived SIGKILL: ${groupMembers(pid).join(', ')}`,
          );
        }
      }
      // The group is empty; wait (briefly) for Node to reap our direct child too, so
      // that its pid no longer exists (not even as a zombie) once kill() resolves.
      await Promise.race([reaped, sleep(2_000)]);
      unwatchGroup(pid);
    },
  };
}

/** Signals every process of group `pgid`; a group already gone is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Live (non-zombie) pids whose process group is `pgid`, read from /proc. Zombies
 * are left out: with no reaping init they can linger, but they hold nothing.
 */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[2]) === pgid) members.push(Number(entry));
  }
  return members;
}

/** Polls until group `pgid` has no live member; false after `timeoutMs`. */
export async function waitGroupEmpty(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
