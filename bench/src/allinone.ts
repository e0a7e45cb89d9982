/**
 * Benchmark `allinone`: `nightglow up` as a user runs it (the built CLI as a
 * process, in-process mode, one prewarmed browser with its sidecar, the demo
 * site), timed from spawn to the moment it prints its endpoints (every
 * service serving, the browser warm). Warm = a data folder from an earlier
 * start (PGlite migrated) and hot OS caches; one cold start in a fresh folder
 * is reported too. Baseline, measured alternately in the same run: a bare
 * Chromium launched with the same flags until its DevTools endpoint answers —
 * the floor of anything that hands out a warm browser. Then the idle resident
 * memory of the `up` process (every service, no Chromium: browsers are other
 * processes) after 10 s idle. Targets: ready ≤ 5 s warm; idle RSS < 400 MB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { launchChromium } from '@nightglow/testenv';
import { report } from './report.js';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

type Up = { readyMs: number; pid: number; stop: () => Promise<number | null> };

/** Spawns `nightglow up -o json` and resolves once it printed its endpoints (ready). */
async function up(home: string): Promise<Up> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, '--home', home, '-o', 'json', 'up', '--ports', 'ephemeral', '--log-level', 'warn', '--prewarm', '1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const readyMs = await new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      // -o json prints one pretty JSON document once ready
      if (/\n}\n$/.test(out)) resolve(performance.now() - t0);
    });
    void exited.then((code) => reject(new Error(`nightglow up exited (${code}) before ready:\n${err}`)));
  });
  return {
    readyMs,
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** Runs the benchmark; resolves whether the targets were met. */
export async function allinoneBench(opts: { rounds?: number } = {}): Promise<boolean> {
  const rounds = opts.rounds ?? 5;
  const warmHome = mkdtempSync(join(tmpdir(), 'ng-bench-up-'));
  const coldHome = mkdtempSync(join(tmpdir(), 'ng-bench-up-cold-'));
  try {
    const cold = await up(coldHome);
    const coldMs = cold.readyMs;
    if ((await cold.stop()) !== 0) throw new Error('nightglow up did not stop cleanly');
    const ours: number[] = [];
    const base: number[] = [];
    await (await up(warmHome)).stop(); // migrate the warm folder once
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const chromium = await launchChromium();
      base.push(performance.now() - t0);
      await chromium.stop();
      const u = await up(warmHome);
      ours.push(u.readyMs);
      if ((await u.stop()) !== 0) throw new Error('nightglow up did not stop cleanly');
    }
    const idle = await up(warmHome);
    await new Promise((r) => setTimeout(r, 10_000));
    const rss = rssBytes(idle.pid) / 1024 ** 2;
    await idle.stop();
    console.log(`up ready ms (warm): ${ours.map((x) => x.toFixed(0)).join(' ')}; cold ${coldMs.toFixed(0)} ms`);
    console.log(`bare chromium ready ms: ${base.map((x) => x.toFixed(0)).join(' ')}`);
    return report('allinone', [
      {
        metric: 'up to ready, warm (median)',
        unit: 'ms',
        ours: median(ours),
        baseline: median(base),
        target: '≤ 5000 ms',
        higherIsBetter: false,
        targetValue: 5000,
      },
      {
        metric: 'up to ready, fresh data folder',
        unit: 'ms',
        ours: coldMs,
        baseline: median(base),
        target: 'reported',
        higherIsBetter: false,
      },
      {
        metric: 'idle RSS of the services (no Chromium)',
        unit: 'MB',
        ours: rss,
        baseline: null,
        target: '< 400 MB',
        higherIsBetter: false,
        targetValue: 400,
      },
    ]);
  } finally {
    rmSync(warmHome, { recursive: true, force: true });
    rmSync(coldHome, { recursive: true, force: true });
  }
}
