/** Plain-text tables for humans: left-aligned columns, two spaces apart, no trailing blanks. */

/** Renders `rows` under `headers`; cells are padded to the widest in their column (the last is not padded). */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    headers
      .map((_, i) => {
        const cell = cells[i] ?? '';
        return i === headers.length - 1 ? cell : cell.padEnd(widths[i] ?? 0);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** `key: value` lines, keys padded to the longest; empty values are skipped. */
export function renderFields(fields: readonly (readonly [string, string])[]): string {
  const shown = fields.filter(([, v]) => v !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length + 1));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n') + '\n';
}

/** `a=b,c=d`, sorted by key; empty for no labels. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(',');
}

/** `FOO_BAR_READY` → `READY` given the prefix `FOO_BAR_`; `UNSPECIFIED` → `-`. */
export function enumLabel(names: Readonly<Record<number, string>>, value: number, prefix = ''): string {
  const name = names[value] ?? String(value);
  const short = name.startsWith(prefix) ? name.slice(prefix.length) : name;
  return short === 'UNSPECIFIED' ? '-' : short;
}
