/**
 * `nightglow up` killed outright (SIGKILL: no drain, no exit hook) leaves its
 * Chromium behind, since browsers run in their own process groups. The next
 * `up` on the same data folder reaps them before it starts; and while a
 * platform is alive, a second one on its folder is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { reapChromiumUnder } from './index.js';

const BIN = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'ng-up-crash-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  reapChromiumUnder(home);
  rmSync(home, { recursive: true, force: true });
});

function chromiumPids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--user-data-dir=${join(home, 'browsers')}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Starts `nightglow up` and resolves once it printed that it is up (or rejects with its output). */
function up(): Promise<{ child: ChildProcess; out: () => string; err: () => string }> {
  const child = spawn(
    process.execPath,
    [BIN, '--home', home, 'up', '--ports', 'ephemeral', '--prewarm', '2', '--no-demo-site', '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (out.includes('Ctrl-C stops everything.')) resolve({ child, out: () => out, err: () => err });
    });
    child.once('exit', (code) => reject(new Error(`up exited with ${code}:\n${out}\n${err}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', r));
}

describe('nightglow up after a crash', () => {
  it('reaps the browsers a killed platform left, and refuses a second platform on a live folder', async () => {
    const first = await up();
    const orphans = chromiumPids();
    expect(orphans.length, 'two prewarmed browsers (and their helper processes)').toBeGreaterThanOrEqual(2);

    // While it lives, a second platform on the same folder is refused, naming the process.
    const second = spawn(process.execPath, [BIN, '--home', home, 'up', '--ports', 'ephemeral'], { stdio: 'pipe' });
    let secondErr = '';
    second.stderr.setEncoding('utf8').on('data', (c: string) => (secondErr += c));
    expect(await exitOf(second)).toBe(2);
    expect(secondErr).toContain(`a platform is already running from ${home} (process ${first.child.pid})`);

    first.child.kill('SIGKILL');
    await exitOf(first.child);
    await new Promise((r) => setTimeout(r, 500));
    const left = chromiumPids().filter((p) => orphans.includes(p));
    expect(left.length, 'SIGKILL leaves the browsers running').toBeGreaterThan(0);

    const third = await up();
    expect(chromiumPids().filter((p) => orphans.includes(p))).toEqual([]);
    third.child.kill('SIGINT');
    expect(await exitOf(third.child)).toBe(0);
    expect(third.err()).toContain('Stopped cleanly; no Chromium left running.');
    expect(chromiumPids()).toEqual([]);
  }, 180_000);
});
