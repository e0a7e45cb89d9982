/**
 * Typed, validating readers over an environment map. Every service's
 * `loadConfig(env)` is built from these, so a bad value is always reported the
 * same way: the variable's name, what was found and what was expected. All
 * problems are collected and thrown together as one {@link ConfigError}.
 */

/** The environment a config is read from (`process.env` in `main.ts`, a plain object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** One bad variable: its name and why it was refused. */
export type ConfigProblem = { readonly variable: string; readonly message: string };

/** Thrown by `loadConfig` when one or more variables are invalid; the message names each one. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Every refused variable, in reading order. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

/** The outcome of parsing one raw value. */
type Parsed<T> = { ok: T } | { error: string };

/** Options shared by every reader: a default applied when the variable is unset or empty. */
type Opt<T> = { readonly default?: T };

/**
 * Reads variables, converting and validating each; collects problems instead of
 * throwing at the first one. Call {@link EnvReader.done} last: it throws a
 * ConfigError if anything was refused.
 */
export type EnvReader = {
  /** A string; `required` refuses an unset variable when there is no default. */
  string(name: string, opt?: Opt<string> & { required?: boolean }): string;
  /** An optional string: `undefined` when unset. */
  optionalString(name: string): string | undefined;
  /** An integer within [min, max]. */
  int(name: string, opt: Opt<number> & { min?: number; max?: number }): number;
  /** A finite number within [min, max]. */
  number(name: string, opt: Opt<number> & { min?: number; max?: number }): number;
  /** A TCP port, 0–65535 (0 = pick a free one). */
  port(name: string, opt: Opt<number>): number;
  /** A boolean: true/false/1/0/yes/no. */
  bool(name: string, opt: Opt<boolean>): boolean;
  /** A duration in milliseconds: `250ms`, `30s`, `5m`, `1h`, or a bare number of ms. */
  durationMs(name: string, opt: Opt<number> & { min?: number }): number;
  /** A byte size: `4MiB`, `512KiB`, `1GiB`, `100MB` or a bare number of bytes. */
  bytes(name: string, opt: Opt<number> & { min?: number }): number;
  /** One of a fixed set of values. */
  oneOf<T extends string>(name: string, values: readonly T[], opt: Opt<T>): T;
  /** A comma-separated list; empty items are dropped. */
  list(name: string, opt?: Opt<readonly string[]>): readonly string[];
  /** An absolute URL whose protocol is one of `protocols` (e.g. `['http:', 'https:']`). */
  optionalUrl(name: string, protocols: readonly string[]): string | undefined;
  /** Records a problem found by a cross-field check, e.g. a list item in the wrong shape. */
  reject(name: string, message: string): void;
  /** Throws a ConfigError naming every refused variable, if any. */
  done(): void;
};

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses `30s`, `250ms`, `5m`, `1h` or a bare number of milliseconds; `undefined` if malformed. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(text.trim());
  if (!m?.[1]) return undefined;
  return Math.round(Number(m[1]) * (DURATION_UNITS[(m[2] ?? 'ms').toLowerCase()] ?? 1));
}

/** Parses `4MiB`, `512KiB`, `100MB` or a bare number of bytes; `undefined` if malformed. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m?.[1]) return undefined;
  const unit = BYTE_UNITS[(m[2] ?? '').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** Creates an {@link EnvReader} over `env`. */
export function createEnvReader(env: Env): EnvReader {
  const problems: ConfigProblem[] = [];
  const raw = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  function read<T>(name: string, opt: Opt<T>, parse: (v: string) => Parsed<T>, fallback: T): T {
    const v = raw(name);
    if (v === undefined) {
      if (opt.default !== undefined) return opt.default;
      problems.push({ variable: name, message: 'is required but not set' });
      return fallback;
    }
    const parsed = parse(v);
    if ('error' in parsed) {
      problems.push({ variable: name, message: `${JSON.stringify(v)} ${parsed.error}` });
      return fallback;
    }
    return parsed.ok;
  }
  const bad = (error: string): { error: string } => ({ error });
  const ok = <T>(value: T): { ok: T } => ({ ok: value });
  const inRange = (n: number, min = -Infinity, max = Infinity): boolean => n >= min && n <= max;
  const range = (min?: number, max?: number): string => `${min ?? '-∞'}..${max ?? '∞'}`;
  const numeric =
    (valid: (n: number) => boolean, what: string, lim: { min?: number; max?: number }) =>
    (v: string): Parsed<number> => {
      const n = Number(v);
      return valid(n) && inRange(n, lim.min, lim.max) ? ok(n) : bad(`is not ${what}`);
    };

  return {
    string: (name, opt = {}) =>
      opt.required === false && opt.default === undefined ? (raw(name) ?? '') : read<string>(name, opt, ok, ''),
    optionalString: (name) => raw(name),
    int: (name, opt) => read(name, opt, numeric(Number.isInteger, `an integer in ${range(opt.min, opt.max)}`, opt), 0),
    number: (name, opt) => read(name, opt, numeric(Number.isFinite, `a number in ${range(opt.min, opt.max)}`, opt), 0),
    port: (name, opt) => read(name, opt, numeric(Number.isInteger, 'a port (0-65535)', { min: 0, max: 65535 }), 0),
    bool: (name, opt) =>
      read(
        name,
        opt,
        (v) => {
          const s = v.toLowerCase();
          if (['true', '1', 'yes', 'on'].includes(s)) return ok(true);
          if (['false', '0', 'no', 'off'].includes(s)) return ok(false);
          return bad('is not a boolean (true/false)');
        },
        false,
      ),
    durationMs: (name, opt) =>
      read(
        name,
        opt,
        (v) => {
          const n = parseDurationMs(v);
          return n !== undefined && inRange(n, opt.min)
            ? ok(n)
            : bad(`is not a duration${opt.min !== undefined ? ` of at least ${opt.min}ms` : ''} (e.g. 500ms, 30s, 5m)`);
        },
        0,
      ),
    bytes: (name, opt) =>
      read(
        name,
        opt,
        (v) => {
          const n = parseBytes(v);
          return n !== undefined && inRange(n, opt.min)
            ? ok(n)
            : bad(`is not a byte size${opt.min !== undefined ? ` of at least ${opt.min}` : ''} (e.g. 4MiB, 512KiB)`);
        },
        0,
      ),
    oneOf: <T extends string>(name: string, values: readonly T[], opt: Opt<T>) =>
      read<T>(
        name,
        opt,
        (v) => ((values as readonly string[]).includes(v) ? ok(v as T) : bad(`is not one of ${values.join(', ')}`)),
        values[0] as T,
      ),
    list: (name, opt = { default: [] }) => {
      const v = raw(name);
      if (v === undefined) return opt.default ?? [];
      return v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    },
    optionalUrl: (name, protocols) => {
      const v = raw(name);
      if (v === undefined) return undefined;
      try {
        const u = new URL(v);
        if (protocols.includes(u.protocol)) return v;
      } catch {
        // reported below
      }
      problems.push({
        variable: name,
        message: `${JSON.stringify(v)} is not a URL with protocol ${protocols.join(' or ')}`,
      });
      return undefined;
    },
    reject: (variable, message) => {
      problems.push({ variable, message });
    },
    done: () => {
      if (problems.length > 0) throw new ConfigError(problems);
    },
  };
}
