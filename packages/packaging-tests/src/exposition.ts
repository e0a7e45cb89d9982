/**
 * Metric names in a Prometheus text exposition (what `/metrics` answers).
 * A family declared by `# TYPE` counts even with no sample yet (a labelled
 * counter nobody incremented), and a histogram or summary also provides its
 * `_bucket`, `_sum` and `_count` series, the names PromQL queries use.
 */

/** Every series name a PromQL query could select from `text`. */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name = '', kind] = type;
      names.add(name);
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      if (kind === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[\s{]/.exec(line);
    if (sample?.[1]) names.add(sample[1]);
  }
  return names;
}
