import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { counterFamily, gaugeFamily, histogramFamily } from './families.js';

describe('hot-path metric families', () => {
  it('render as Prometheus text with default labels, cumulative buckets, sum and count', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'svc' });
    const calls = counterFamily({ name: 'x_calls_total', help: 'calls', labelNames: ['code'], registry });
    const open = gaugeFamily({ name: 'x_open', help: 'open', labelNames: ['pool'], registry });
    const size = histogramFamily({
      name: 'x_size_bytes',
      help: 'size',
      labelNames: ['kind'],
      buckets: [10, 100],
      registry,
    });
    const ok = calls.child('OK');
    ok.inc();
    ok.inc(2);
    calls.child('Internal').inc();
    const a = open.child('a');
    a.inc(5);
    a.dec(2);
    const png = size.child('png');
    for (const v of [5, 10, 50, 500]) png.observe(v);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE x_calls_total counter');
    expect(text).toContain('x_calls_total{code="OK",service="svc"} 3');
    expect(text).toContain('x_calls_total{code="Internal",service="svc"} 1');
    expect(text).toContain('x_open{pool="a",service="svc"} 3');
    expect(text).toContain('x_size_bytes_bucket{kind="png",le="10",service="svc"} 2');
    expect(text).toContain('x_size_bytes_bucket{kind="png",le="100",service="svc"} 3');
    expect(text).toContain('x_size_bytes_bucket{kind="png",le="+Inf",service="svc"} 4');
    expect(text).toContain('x_size_bytes_sum{kind="png",service="svc"} 565');
    expect(text).toContain('x_size_bytes_count{kind="png",service="svc"} 4');
  });

  it('returns the same series for the same labels', async () => {
    const registry = new Registry();
    const f = counterFamily({ name: 'y_total', help: 'y', labelNames: ['k'], registry });
    f.child('a').inc();
    f.child('a').inc();
    expect(await registry.metrics()).toContain('y_total{k="a"} 2');
  });
});
