/**
 * Benchmark `grpc-serving`: unary calls/s and p99 of the runtime's native gRPC
 * path (the sample EchoService as a real process: instrumentation, logging,
 * metrics, tracing hooks, error mapping) against a bare grpc-js server serving
 * the same method with the same codec, ghz at concurrency 50, alternating
 * rounds in one run. Target: ours >= 0.8x the bare server's calls/s.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServiceProcess } from '@nightglow/runtime/testing';
import { tools } from '@nightglow/testenv';
import { ghz, median, type GhzResult } from './ghz.js';
import { report } from './report.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

async function startBare(): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, [join(repo, 'bench/dist/bare-echo-server.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /port=(\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

/** Runs the benchmark; resolves whether the target was met. */
export async function grpcServing(opts: { rounds?: number; calls?: number } = {}): Promise<boolean> {
  const rounds = opts.rounds ?? 7;
  const protoset = join(mkdtempSync(join(tmpdir(), 'ng-bench-')), 'sample.binpb');
  await run('npx', ['buf', 'build', '-o', protoset, '--path', 'proto/nightglow/sample'], { cwd: repo });
  const ours = await startServiceProcess(join(repo, 'packages/runtime/dist/sample/main.js'), {});
  const bare = await startBare();
  const t = tools();
  const base = {
    ghz: t.ghz,
    protoset,
    call: 'nightglow.sample.v1.EchoService.Echo',
    data: '{"message":"hello nightglow"}',
    concurrency: 50,
  };
  const results: { ours: GhzResult[]; bare: GhzResult[] } = { ours: [], bare: [] };
  try {
    for (const port of [ours.grpcPort, bare.port]) await ghz({ ...base, target: `127.0.0.1:${port}`, total: 5000 });
    for (let i = 0; i < rounds; i++) {
      results.bare.push(await ghz({ ...base, target: `127.0.0.1:${bare.port}`, total: opts.calls ?? 30_000 }));
      results.ours.push(await ghz({ ...base, target: `127.0.0.1:${ours.grpcPort}`, total: opts.calls ?? 30_000 }));
    }
  } finally {
    bare.stop();
    await ours.stop();
  }
  const errors = [...results.ours, ...results.bare].reduce((a, r) => a + r.errors, 0);
  if (errors > 0) throw new Error(`ghz saw ${errors} failed calls`);
  const m = (xs: GhzResult[], f: (r: GhzResult) => number): number => median(xs.map(f));
  return report('grpc-serving', [
    {
      metric: 'unary calls/s (ghz -c 50)',
      unit: 'calls/s',
      ours: m(results.ours, (r) => r.rps),
      baseline: m(results.bare, (r) => r.rps),
      target: '>= 0.8x bare grpc-js',
      higherIsBetter: true,
      targetRatio: 0.8,
    },
    {
      metric: 'unary latency p50',
      unit: 'ms',
      ours: m(results.ours, (r) => r.p50Ms),
      baseline: m(results.bare, (r) => r.p50Ms),
      target: 'reported',
      higherIsBetter: false,
    },
    {
      metric: 'unary latency p99',
      unit: 'ms',
      ours: m(results.ours, (r) => r.p99Ms),
      baseline: m(results.bare, (r) => r.p99Ms),
      target: 'reported',
      higherIsBetter: false,
    },
  ]);
}
