const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The sum of the samples of metric `name` in a Prometheus text exposition
 * whose labels include every pair of `labels` (no labels: every sample of the
 * name). 0 when none matches, as a counter that has not moved yet reads.
 */
export function metricSum(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const sample = SAMPLE.exec(line);
    if (sample === null || sample[1] !== name) continue;
    const found = new Map([...(sample[2] ?? '').matchAll(LABEL)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) sum += Number(sample[3]);
  }
  return sum;
}

/** {@link metricSum} of what a service process serves on `http://127.0.0.1:<httpPort>/metrics`. */
export async function scrapeMetric(
  httpPort: number,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics on port ${httpPort} answered ${response.status}`);
  return metricSum(await response.text(), name, labels);
}
