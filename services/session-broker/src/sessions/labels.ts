/**
 * Kubernetes label syntax for session labels, and Kubernetes-style label
 * selectors (`team=search,env!=prod,tier in (a,b),!canary,owner`) for
 * ListSessions and WatchSessions.
 */
import type { BrokerFieldViolation } from '../errors.js';

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `key` is a valid label key: `[prefix/]name`, name ≤ 63, prefix a DNS subdomain ≤ 253. */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return NAME.test(key);
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && PREFIX.test(prefix) && NAME.test(key.slice(slash + 1));
}

/** Whether `value` is a valid label value: empty, or a name of at most 63 characters. */
export function isLabelValue(value: string): boolean {
  return value === '' || NAME.test(value);
}

/** The violations of a label map, each naming `<field>["key"]`. */
export function labelViolations(labels: Readonly<Record<string, string>>, field: string): BrokerFieldViolation[] {
  const out: BrokerFieldViolation[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const at = `${field}[${JSON.stringify(k)}]`;
    if (!isLabelKey(k)) out.push({ field: at, description: 'is not a valid label key ([prefix/]name, name ≤ 63)' });
    else if (!isLabelValue(v))
      out.push({ field: at, description: `value ${JSON.stringify(v)} is not a valid label value` });
  }
  return out;
}

/** One requirement of a selector. */
type Requirement =
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'absent'; readonly key: string };

/** A parsed selector: matches when every requirement holds. */
export type LabelSelector = { readonly matches: (labels: Readonly<Record<string, string>>) => boolean };

/** Thrown by {@link parseLabelSelector}: what is wrong with the text. */
export class SelectorSyntaxError extends Error {
  override readonly name = 'SelectorSyntaxError';
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function checkKey(key: string): string {
  if (!isLabelKey(key)) throw new SelectorSyntaxError(`${JSON.stringify(key)} is not a valid label key`);
  return key;
}

function parseRequirement(part: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim());
    for (const v of values)
      if (!isLabelValue(v)) throw new SelectorSyntaxError(`${JSON.stringify(v)} is not a label value`);
    return { op: set[2] === 'in' ? 'in' : 'notin', key: checkKey(set[1] ?? ''), values };
  }
  const cmp = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (cmp) {
    const value = cmp[3] ?? '';
    if (!isLabelValue(value)) throw new SelectorSyntaxError(`${JSON.stringify(value)} is not a label value`);
    return { op: cmp[2] === '!=' ? 'notin' : 'in', key: checkKey(cmp[1] ?? ''), values: [value] };
  }
  if (part.startsWith('!')) return { op: 'absent', key: checkKey(part.slice(1).trim()) };
  return { op: 'exists', key: checkKey(part) };
}

function holds(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.op) {
    case 'exists':
      return has;
    case 'absent':
      return !has;
    case 'in':
      return has && r.values.includes(labels[r.key] ?? '');
    case 'notin':
      return !has || !r.values.includes(labels[r.key] ?? '');
  }
}

/** Parses a selector; an empty text matches everything. Throws {@link SelectorSyntaxError}. */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements = splitTopLevel(text).map(parseRequirement);
  return { matches: (labels) => requirements.every((r) => holds(r, labels)) };
}
