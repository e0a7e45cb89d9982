import { describe, expect, it } from 'vitest';
import { exposedNames } from './exposition.js';
import { metricNames } from './promql.js';

describe('metricNames', () => {
  it('finds the metrics of a histogram quantile, skipping functions, groupings, matchers and ranges', () => {
    const expr =
      'histogram_quantile(0.95, sum by (le, pool) (rate(nightglow_broker_acquire_seconds_bucket{pool=~"$pool"}[$__rate_interval])))';
    expect(metricNames(expr)).toEqual(['nightglow_broker_acquire_seconds_bucket']);
  });

  it('finds both sides of a binary operation and ignores keywords, numbers, durations and strings', () => {
    const expr =
      'sum(rate(a_total{state="SUCCEEDED"}[5m])) / on (x) group_left (y) sum(rate(b_total{code!="by"}[1h] offset 5m)) > 0.5 and c';
    expect(metricNames(expr)).toEqual(['a_total', 'b_total', 'c']);
  });

  it('treats a bare selector as a metric', () => {
    expect(metricNames('nightglow_executor_queue_length')).toEqual(['nightglow_executor_queue_length']);
  });
});

describe('exposedNames', () => {
  it("counts declared families without samples and a histogram's series names", () => {
    const text = [
      '# HELP a_total A.',
      '# TYPE a_total counter',
      '# TYPE h_seconds histogram',
      'g{service="x"} 1',
      '',
    ].join('\n');
    expect([...exposedNames(text)].sort()).toEqual([
      'a_total',
      'g',
      'h_seconds',
      'h_seconds_bucket',
      'h_seconds_count',
      'h_seconds_sum',
    ]);
  });
});
