/**
 * The one shape every benchmark reports in: a printed table and
 * `bench/results/NAME.json` = `{ name, date, env, figures }`, each figure
 * comparing ours with a baseline measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

/** One measured figure. `target` is the ratio (ours / baseline) to meet; `higherIsBetter` says which side of it wins. */
export type Figure = {
  readonly metric: string;
  readonly unit: string;
  readonly ours: number;
  readonly baseline: number | null;
  readonly target: string;
  readonly higherIsBetter: boolean;
  /** The ratio the target bounds (ours / baseline); absolute targets pass `targetValue` instead. */
  readonly targetRatio?: number;
  readonly targetValue?: number;
};

function chromiumVersion(): string | null {
  try {
    return execFileSync('/usr/bin/chromium', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

function met(f: Figure, ratio: number | null): boolean {
  if (f.targetRatio !== undefined && ratio !== null) {
    return f.higherIsBetter ? ratio >= f.targetRatio : ratio <= f.targetRatio;
  }
  if (f.targetValue !== undefined) return f.higherIsBetter ? f.ours >= f.targetValue : f.ours <= f.targetValue;
  return true;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** Prints the figures as a table and writes `bench/results/<name>.json`. Returns whether every target was met. */
export function report(name: string, figures: readonly Figure[]): boolean {
  const rows = figures.map((f) => {
    const ratio = f.baseline ? round(f.ours / f.baseline) : null;
    return {
      metric: f.metric,
      unit: f.unit,
      ours: round(f.ours),
      baseline: f.baseline === null ? null : round(f.baseline),
      ratio,
      target: f.target,
      met: met(f, ratio),
    };
  });
  console.table(rows);
  const result = {
    name,
    date: new Date().toISOString(),
    env: { node: process.version, chromium: chromiumVersion(), cpus: cpus().length },
    figures: rows,
  };
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}${name}.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote bench/results/${name}.json`);
  return rows.every((r) => r.met);
}
