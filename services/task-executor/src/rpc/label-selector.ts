/**
 * Kubernetes-style label selectors for list filters: `k=v`, `k==v`, `k!=v`,
 * `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, joined by commas (AND).
 */
import { ExecutorError } from '../errors.js';

/** A compiled selector. */
export type LabelMatcher = (labels: Readonly<Record<string, string>>) => boolean;

const SET = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/;
const EQ = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s,]*)$/;

function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** Compiles `selector`; INVALID_ARGUMENT naming `field` when it does not parse. Empty matches everything. */
export function parseLabelSelector(selector: string, field = 'label_selector'): LabelMatcher {
  const tests: LabelMatcher[] = splitTerms(selector).map((term) => {
    const set = SET.exec(term);
    if (set) {
      const [, key = '', op, list = ''] = set;
      const values = new Set(list.split(',').map((v) => v.trim()));
      return (l) => (op === 'in' ? key in l && values.has(l[key] ?? '') : !(key in l) || !values.has(l[key] ?? ''));
    }
    const eq = EQ.exec(term);
    if (eq) {
      const [, key = '', op, value = ''] = eq;
      return (l) => (op === '!=' ? l[key] !== value : l[key] === value);
    }
    if (/^![^\s!=(),]+$/.test(term)) return (l) => !(term.slice(1) in l);
    if (/^[^\s!=(),]+$/.test(term)) return (l) => term in l;
    throw ExecutorError.invalid([{ field, description: `cannot parse ${JSON.stringify(term)}` }]);
  });
  return (labels) => tests.every((t) => t(labels));
}
