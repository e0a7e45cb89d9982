/**
 * Validation of one action. Returns every problem as a field violation whose
 * path names the field in proto (snake_case) form, e.g.
 * `actions[3].click.selector`. In `lenient` mode (template registration)
 * strings holding a `${…}` reference are not checked for shape, since their
 * value is only known at submit time.
 */
import type { FieldViolation } from '@nightglow/runtime';
import { ElementState, ExtractSource, type Action } from '@nightglow/contracts/executor/v1';
import { ACTION_TYPE_NAMES, snakeCase } from './action-kinds.js';
import { MAX_ATTEMPTS, toMs } from './durations.js';

/** Options of {@link validateAction}. */
export type ValidateActionOptions = { readonly lenient?: boolean };

type Check = (v: FieldViolation) => void;

const hasRef = (s: string): boolean => /\$\{[A-Za-z_]/.test(s);

/** True for an absolute http(s) URL or `about:blank`. */
export function isNavigableUrl(url: string): boolean {
  if (url === 'about:blank') return true;
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}

function checks(path: string, add: Check, lenient: boolean) {
  return {
    selector(field: string, value: string): void {
      if (value.trim() === '') add({ field: `${path}.${field}`, description: 'must be a non-empty selector' });
    },
    url(field: string, value: string): void {
      if (lenient && hasRef(value)) return;
      if (!isNavigableUrl(value)) {
        add({ field: `${path}.${field}`, description: `${JSON.stringify(value)} is not an absolute http(s) URL` });
      }
    },
    regex(field: string, value: string): void {
      if (lenient && hasRef(value)) return;
      try {
        new RegExp(value);
      } catch {
        add({ field: `${path}.${field}`, description: `${JSON.stringify(value)} is not a valid regular expression` });
      }
    },
    required(field: string, value: string, what: string): void {
      if (value === '') add({ field: `${path}.${field}`, description: `must be set (${what})` });
    },
  };
}

function validateKind(action: Action, path: string, add: Check, lenient: boolean): void {
  const k = action.kind;
  const p = `${path}.${snakeCase(k.case ?? '')}`;
  const c = checks(p, add, lenient);
  switch (k.case) {
    case undefined:
      add({
        field: path,
        description: `unknown or missing action: set exactly one of ${ACTION_TYPE_NAMES.join(', ')}`,
      });
      return;
    case 'navigate':
      return c.url('url', k.value.url);
    case 'click':
      if (k.value.clickCount > 3) add({ field: `${p}.click_count`, description: 'must be at most 3' });
      return c.selector('selector', k.value.selector);
    case 'type':
    case 'press':
      if (k.case === 'press') c.required('key', k.value.key, 'a key such as Enter');
      if (k.value.selector !== '') c.selector('selector', k.value.selector);
      return;
    case 'hover':
      return c.selector('selector', k.value.selector);
    case 'select':
      if (k.value.values.length === 0) add({ field: `${p}.values`, description: 'must list at least one value' });
      return c.selector('selector', k.value.selector);
    case 'scroll':
      return;
    case 'waitFor': {
      const cond = k.value.condition;
      if (cond.case === undefined) {
        add({ field: p, description: 'set one of selector, navigation, network_idle, duration' });
      } else if (cond.case === 'selector') c.selector('selector', cond.value);
      if (cond.case !== 'selector' && k.value.state !== ElementState.UNSPECIFIED) {
        add({ field: `${p}.state`, description: 'applies to selector waits only' });
      }
      return;
    }
    case 'extract':
      if (k.value.source === ExtractSource.ATTRIBUTE) c.required('attribute', k.value.attribute, 'source ATTRIBUTE');
      return c.selector('selector', k.value.selector);
    case 'screenshot':
      if (k.value.quality > 100) add({ field: `${p}.quality`, description: 'must be 1..100' });
      return;
    case 'assert': {
      const cond = k.value.condition;
      if (cond.case === undefined) {
        add({
          field: p,
          description: 'set one of selector_exists, text_contains, url_matches, title_equals, title_contains',
        });
      } else if (cond.case === 'selectorExists') c.selector('selector_exists', cond.value);
      else if (cond.case === 'textContains') c.selector('text_contains.selector', cond.value.selector);
      else if (cond.case === 'urlMatches') c.regex('url_matches', cond.value);
      return;
    }
    case 'setViewport':
      for (const f of ['width', 'height'] as const) {
        const v = k.value[f];
        if (v < 1 || v > 16384) add({ field: `${p}.${f}`, description: 'must be 1..16384' });
      }
      return;
    case 'setCookies':
      if (k.value.cookies.length === 0) add({ field: `${p}.cookies`, description: 'must list at least one cookie' });
      k.value.cookies.forEach((ck, i) => {
        if (ck.name === '') add({ field: `${p}.cookies[${i}].name`, description: 'must be set' });
        if (ck.url === '' && ck.domain === '') {
          add({ field: `${p}.cookies[${i}]`, description: 'set url or domain' });
        }
        if (ck.url !== '') c.url(`cookies[${i}].url`, ck.url);
      });
      return;
    case 'fillForm':
      if (Object.keys(k.value.fields).length === 0)
        add({ field: `${p}.fields`, description: 'must map at least one field' });
      for (const sel of Object.keys(k.value.fields)) c.selector(`fields[${JSON.stringify(sel)}]`, sel);
      if (k.value.submit !== '') c.selector('submit', k.value.submit);
      return;
    case 'evaluate':
      return c.required('expression', k.value.expression, 'a JavaScript expression');
  }
}

function validateTiming(action: Action, path: string, add: Check): void {
  const timeout = toMs(action.timeout);
  if (timeout !== undefined && timeout <= 0) add({ field: `${path}.timeout`, description: 'must be positive' });
  const r = action.retry;
  if (!r) return;
  if (r.maxAttempts > MAX_ATTEMPTS)
    add({ field: `${path}.retry.max_attempts`, description: `must be at most ${MAX_ATTEMPTS}` });
  if (r.backoffMultiplier !== 0 && !(r.backoffMultiplier >= 1)) {
    add({ field: `${path}.retry.backoff_multiplier`, description: 'must be 0 (default 2.0) or at least 1' });
  }
  for (const f of ['initialBackoff', 'maxBackoff'] as const) {
    const ms = toMs(r[f]);
    if (ms !== undefined && ms < 0)
      add({ field: `${path}.retry.${snakeCase(f)}`, description: 'must not be negative' });
  }
}

/** Every problem of `action` at `path` (e.g. `actions[3]`); empty when it is valid. */
export function validateAction(action: Action, path: string, opts: ValidateActionOptions = {}): FieldViolation[] {
  const out: FieldViolation[] = [];
  validateKind(action, path, (v) => out.push(v), opts.lenient ?? false);
  validateTiming(action, path, (v) => out.push(v));
  return out;
}
