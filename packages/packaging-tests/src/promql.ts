/**
 * Metric names a PromQL expression reads. A small tokenizer, enough for
 * dashboard queries: it skips strings, label matchers (`{…}`), ranges and
 * durations (`[…]`), the label lists of `by`/`without`/`on`/`ignoring`/
 * `group_left`/`group_right`, aggregation operators, numbers, Grafana variables (`$x`, `${x}`,
 * `$__rate_interval`), functions (an identifier followed by `(`) and keywords.
 * Every other identifier is a metric name.
 */

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);
// Aggregations may put `by (…)` between their name and their `(`.
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** The distinct metric names `expr` selects, in order of appearance. */
export function metricNames(expr: string): string[] {
  const names: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i] as string;
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipQuoted(expr, i);
    } else if (ch === '{' || ch === '[') {
      i = skipTo(expr, i, ch === '{' ? '}' : ']');
    } else if (ch === '$') {
      const m = /^\$(\{[^}]*\}|\w+)/.exec(expr.slice(i));
      i += m ? m[0].length : 1;
    } else if (/[A-Za-z_:]/.test(ch)) {
      const word = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(expr.slice(i))?.[0] ?? ch;
      i += word.length;
      const next = /^\s*(.)/.exec(expr.slice(i))?.[1];
      if (LABEL_LISTS.has(word.toLowerCase()) && next === '(') {
        i = skipTo(expr, expr.indexOf('(', i), ')');
      } else if (next !== '(' && !KEYWORDS.has(word.toLowerCase()) && !AGGREGATIONS.has(word.toLowerCase())) {
        if (!names.includes(word)) names.push(word);
      }
      continue;
    } else if (/[0-9.]/.test(ch)) {
      // A number or a duration such as 5m: consume digits and unit letters together.
      const m = /^[0-9.]+(e[+-]?[0-9]+)?[a-zA-Z]*/.exec(expr.slice(i));
      i += m ? m[0].length : 1;
    } else {
      i += 1;
    }
  }
  return names;
}

function skipQuoted(s: string, start: number): number {
  const quote = s[start];
  let i = start + 1;
  while (i < s.length && s[i] !== quote) i += s[i] === '\\' ? 2 : 1;
  return i + 1;
}

function skipTo(s: string, start: number, close: string): number {
  let i = start + 1;
  while (i < s.length && s[i] !== close) {
    const ch = s[i];
    i = ch === '"' || ch === "'" || ch === '`' ? skipQuoted(s, i) : i + 1;
  }
  return i + 1;
}
