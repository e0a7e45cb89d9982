import { describe, expect, it } from 'vitest';
import { metricSum } from './scrape-metric.js';

const TEXT = `# HELP nightglow_x_total Things.
# TYPE nightglow_x_total counter
nightglow_x_total{outcome="ok",pool="a"} 3
nightglow_x_total{outcome="ok",pool="b"} 4
nightglow_x_total{outcome="failed",pool="a"} 1
nightglow_x_total_created{outcome="ok"} 99
nightglow_gauge 2.5
nightglow_quoted{note="say \\"hi\\", then go",pool="a"} 7
`;

describe('metricSum', () => {
  it('sums the samples of one name whose labels include the given pairs', () => {
    expect(metricSum(TEXT, 'nightglow_x_total')).toBe(8);
    expect(metricSum(TEXT, 'nightglow_x_total', { outcome: 'ok' })).toBe(7);
    expect(metricSum(TEXT, 'nightglow_x_total', { outcome: 'ok', pool: 'b' })).toBe(4);
    expect(metricSum(TEXT, 'nightglow_gauge')).toBe(2.5);
    expect(metricSum(TEXT, 'nightglow_quoted', { pool: 'a' })).toBe(7);
  });

  it('reads 0 for a name or label value that is not there, and never matches a longer name', () => {
    expect(metricSum(TEXT, 'nightglow_x')).toBe(0);
    expect(metricSum(TEXT, 'nightglow_x_total', { outcome: 'timeout' })).toBe(0);
    expect(metricSum(TEXT, 'nightglow_gauge', { pool: 'a' })).toBe(0);
  });
});
