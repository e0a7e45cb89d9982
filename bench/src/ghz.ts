/** Runs ghz (from the test environment) and returns its JSON summary's key figures. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What one ghz run measured. */
export type GhzResult = {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly count: number;
};

/** Options of {@link ghz}. */
export type GhzOptions = {
  readonly ghz: string;
  readonly protoset: string;
  readonly call: string;
  readonly data: string;
  readonly target: string;
  readonly concurrency: number;
  /** Number of calls (a fixed count, not a duration: with -z ghz cuts the last in-flight calls). */
  readonly total: number;
};

type GhzJson = {
  count: number;
  rps: number;
  errorDistribution?: Record<string, number>;
  latencyDistribution: { percentage: number; latency: number }[] | null;
};

/** Runs ghz once; latencies are converted from nanoseconds to milliseconds. */
export async function ghz(o: GhzOptions): Promise<GhzResult> {
  const args = [
    '--insecure',
    '--protoset',
    o.protoset,
    '--call',
    o.call,
    '-d',
    o.data,
    '-c',
    String(o.concurrency),
    '--format',
    'json',
  ];
  args.push('-n', String(o.total), o.target);
  const { stdout } = await run(o.ghz, args, { maxBuffer: 64 * 1024 * 1024 });
  const j = JSON.parse(stdout) as GhzJson;
  const pct = (p: number): number => (j.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? NaN) / 1e6;
  const errors = Object.values(j.errorDistribution ?? {}).reduce((a, n) => a + n, 0);
  if (errors > 0) console.error('ghz errors:', j.errorDistribution);
  return { rps: j.rps, p50Ms: pct(50), p99Ms: pct(99), errors, count: j.count };
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
