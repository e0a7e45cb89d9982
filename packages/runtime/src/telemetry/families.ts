/**
 * Hot-path metric families for prom-client registries. prom-client validates
 * and hashes labels on every `inc`/`observe`, even through `labels()`
 * children; these families resolve a label set once (`child(...)`) and then
 * cost a few number additions per event, turning the numbers into Prometheus
 * series only when `/metrics` is scraped. Use them where events are counted
 * per call or per message; prom-client's own types are fine elsewhere.
 */
import type { Registry } from 'prom-client';

/** The description shared by every family. */
export type FamilyOptions = {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly registry: Registry;
};

/** A counter child: monotonically increasing. */
export type CounterChild = { inc(by?: number): void };
/** A gauge child. */
export type GaugeChild = { inc(by?: number): void; dec(by?: number): void; set(v: number): void };
/** A histogram child; `observe` takes the value in the family's unit (seconds, bytes, …). */
export type HistogramChild = { observe(v: number): void };

/** A family of series, one per label-value tuple; `child` is cached by the caller on hot paths. */
export type Family<C> = { child(...labelValues: string[]): C };

type Series<S> = { labels: Record<string, string>; state: S };

function family<S, C>(
  opts: FamilyOptions,
  type: 'counter' | 'gauge' | 'histogram',
  init: () => S,
  view: (s: S) => C,
  values: (s: Series<S>) => { metricName?: string; labels: Record<string, string | number>; value: number }[],
): Family<C> {
  const series = new Map<string, Series<S>>();
  opts.registry.registerMetric({
    name: opts.name,
    help: opts.help,
    type,
    aggregator: 'sum',
    get: async () => ({
      name: opts.name,
      help: opts.help,
      type,
      aggregator: 'sum',
      values: [...series.values()].flatMap(values),
    }),
  } as never);
  return {
    child: (...labelValues) => {
      const key = labelValues.join('\u0000');
      let s = series.get(key);
      if (!s) {
        const labels = Object.fromEntries(opts.labelNames.map((n, i) => [n, labelValues[i] ?? '']));
        series.set(key, (s = { labels, state: init() }));
      }
      return view(s.state);
    },
  };
}

/** A counter family. */
export function counterFamily(opts: FamilyOptions): Family<CounterChild> {
  return family(
    opts,
    'counter',
    () => ({ v: 0 }),
    (s) => ({ inc: (by = 1) => void (s.v += by) }),
    (s) => [{ labels: s.labels, value: s.state.v }],
  );
}

/** A gauge family. */
export function gaugeFamily(opts: FamilyOptions): Family<GaugeChild> {
  return family(
    opts,
    'gauge',
    () => ({ v: 0 }),
    (s) => ({ inc: (by = 1) => void (s.v += by), dec: (by = 1) => void (s.v -= by), set: (v) => void (s.v = v) }),
    (s) => [{ labels: s.labels, value: s.state.v }],
  );
}

/** A histogram family with fixed upper bounds (ascending; `+Inf` is implied). */
export function histogramFamily(opts: FamilyOptions & { readonly buckets: readonly number[] }): Family<HistogramChild> {
  const bounds = [...opts.buckets].sort((a, b) => a - b);
  return family(
    opts,
    'histogram',
    () => ({ counts: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 }),
    (s) => ({
      observe: (v) => {
        let i = 0;
        while (i < bounds.length && v > (bounds[i] as number)) i++;
        s.counts[i] = (s.counts[i] ?? 0) + 1;
        s.sum += v;
        s.count += 1;
      },
    }),
    ({ labels, state }) => {
      let cumulative = 0;
      const buckets = [...bounds, Infinity].map((le, i) => {
        cumulative += state.counts[i] ?? 0;
        return {
          metricName: `${opts.name}_bucket`,
          labels: { ...labels, le: le === Infinity ? '+Inf' : le },
          value: cumulative,
        };
      });
      return [
        ...buckets,
        { metricName: `${opts.name}_sum`, labels, value: state.sum },
        { metricName: `${opts.name}_count`, labels, value: state.count },
      ];
    },
  );
}
