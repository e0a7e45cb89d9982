/**
 * Kubernetes-style label selectors (`team=a,env!=prod,tier in (web,api),!legacy`)
 * over a jsonb labels column, as SQL conditions.
 */
import type { Params } from './db/sql.js';
import { invalid } from './errors.js';

/** One parsed requirement. */
export type Requirement =
  | { readonly op: 'eq' | 'neq'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'absent'; readonly key: string };

const KEY = '[A-Za-z0-9]([A-Za-z0-9_./-]*[A-Za-z0-9])?';
const VALUE = '([A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)?';
const PATTERNS: readonly [RegExp, (m: RegExpExecArray) => Requirement][] = [
  [new RegExp(`^(${KEY})\\s*(==|=)\\s*(${VALUE})$`), (m) => ({ op: 'eq', key: m[1] as string, value: m[4] ?? '' })],
  [new RegExp(`^(${KEY})\\s*!=\\s*(${VALUE})$`), (m) => ({ op: 'neq', key: m[1] as string, value: m[3] ?? '' })],
  [
    new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`),
    (m) => ({
      op: m[3] === 'in' ? 'in' : 'notin',
      key: m[1] as string,
      values: (m[4] ?? '').split(',').map((v) => v.trim()),
    }),
  ],
  [new RegExp(`^!(${KEY})$`), (m) => ({ op: 'absent', key: m[1] as string })],
  [new RegExp(`^(${KEY})$`), (m) => ({ op: 'exists', key: m[1] as string })],
];

/** Splits on commas outside parentheses. */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/** Parses `selector`; throws INVALID_ARGUMENT on `field` naming the bad term. */
export function parseLabelSelector(selector: string, field: string): Requirement[] {
  if (selector.trim() === '') return [];
  return terms(selector).map((term) => {
    for (const [re, build] of PATTERNS) {
      const m = re.exec(term);
      if (m) return build(m);
    }
    throw invalid([{ field, description: `cannot parse ${JSON.stringify(term)} as a label requirement` }]);
  });
}

/** SQL conditions for the requirements over `column` (jsonb). */
export function labelConditions(reqs: readonly Requirement[], column: string, p: Params): string[] {
  return reqs.map((r) => {
    switch (r.op) {
      case 'eq':
        return `${column} @> ${p.add(JSON.stringify({ [r.key]: r.value }))}::jsonb`;
      case 'neq':
        return `NOT (${column} @> ${p.add(JSON.stringify({ [r.key]: r.value }))}::jsonb)`;
      case 'in':
        return `(${column} ->> ${p.add(r.key)}) = ANY(${p.add(r.values)}::text[])`;
      case 'notin':
        return `NOT coalesce((${column} ->> ${p.add(r.key)}) = ANY(${p.add(r.values)}::text[]), false)`;
      case 'exists':
        return `jsonb_exists(${column}, ${p.add(r.key)})`;
      case 'absent':
        return `NOT jsonb_exists(${column}, ${p.add(r.key)})`;
    }
  });
}
