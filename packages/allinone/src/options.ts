/**
 * What `nightglow up` is asked to run, validated. Every default is the
 * embedded one (in-process bus and state, PGlite, local Chromium); each can be
 * swapped for the real thing. A bad value is reported naming the option, e.g.
 * `--kafka-brokers: has "kafka", not host:port`.
 */
import { isAbsolute, resolve } from 'node:path';
import { homedir } from 'node:os';

/** Where each listener binds: the standard ports of the services, or free ones chosen at start. */
export type PortMode = 'standard' | 'ephemeral';

/** `in-process`: one Node process hosts every service; `processes`: one process per service and browser. */
export type RunMode = 'in-process' | 'processes';

/** Log levels of the services (the runtime's). */
export type PlatformLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** The validated options of a platform. */
export type PlatformOptions = {
  /** Data folder: PGlite, browser profiles, logs, `endpoints.json`. */
  readonly home: string;
  /** Bind address of every listener. */
  readonly host: string;
  readonly ports: PortMode;
  readonly mode: RunMode;
  /** Real Redis for broker and executor state; undefined = in-memory. */
  readonly redisUrl: string | undefined;
  /** Real Kafka brokers; empty = the in-process bus (in-process mode only). */
  readonly kafkaBrokers: readonly string[];
  /** Kafka topic prefix (the in-process bus names its topics the same way). */
  readonly topicPrefix: string;
  /** Real PostgreSQL for the record store; undefined = PGlite under `home`. */
  readonly databaseUrl: string | undefined;
  /** A kubeconfig for the operator; undefined = no operator (there is no Kubernetes API to drive). */
  readonly kubeconfig: string | undefined;
  /** Browsers kept launched and waiting (in-process mode, the local pool's prewarm). */
  readonly prewarm: number;
  /** Sessions the default pool admits at once. */
  readonly maxSessions: number;
  /** Browsers launched, each with its sidecar process (processes mode). */
  readonly browsers: number;
  readonly chromiumPath: string;
  /** Serve the bundled demo site (news list, login form, request form). */
  readonly demoSite: boolean;
  readonly logLevel: PlatformLogLevel;
};

/** What a caller may set; everything has a default. */
export type PlatformOptionsInput = { readonly [K in keyof PlatformOptions]?: PlatformOptions[K] | undefined };

/** One bad option: `option` is its flag name, e.g. `--redis-url`. */
export type OptionProblem = { readonly option: string; readonly message: string };

/** Options that cannot be used; the message has one line per problem. */
export class PlatformOptionsError extends Error {
  readonly problems: readonly OptionProblem[];
  constructor(problems: readonly OptionProblem[]) {
    super(problems.map((p) => `${p.option}: ${p.message}`).join('\n'));
    this.name = 'PlatformOptionsError';
    this.problems = problems;
  }
}

const LOG_LEVELS: readonly PlatformLogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** The default data folder: `$NIGHTGLOW_HOME`, else `~/.nightglow`. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['NIGHTGLOW_HOME'];
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : resolve(homedir(), '.nightglow');
}

function checkUrl(problems: OptionProblem[], option: string, value: string | undefined, protocols: string[]): void {
  if (value === undefined) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push({ option, message: `${JSON.stringify(value)} is not a URL` });
    return;
  }
  if (!protocols.includes(url.protocol))
    problems.push({ option, message: `${JSON.stringify(value)} must start with ${protocols.join(' or ')}//` });
}

function checkInt(problems: OptionProblem[], option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    problems.push({ option, message: `must be an integer in ${min}..${max}, got ${String(value)}` });
}

/** Fills defaults and validates; throws {@link PlatformOptionsError} naming every bad option. */
export function resolvePlatformOptions(input: PlatformOptionsInput = {}): PlatformOptions {
  const problems: OptionProblem[] = [];
  const home = input.home ?? defaultHome();
  const options: PlatformOptions = {
    home: isAbsolute(home) ? home : resolve(home),
    host: input.host ?? '127.0.0.1',
    ports: input.ports ?? 'standard',
    mode: input.mode ?? 'in-process',
    redisUrl: input.redisUrl,
    kafkaBrokers: input.kafkaBrokers ?? [],
    topicPrefix: input.topicPrefix ?? 'nightglow',
    databaseUrl: input.databaseUrl,
    kubeconfig: input.kubeconfig,
    prewarm: input.prewarm ?? 1,
    maxSessions: input.maxSessions ?? 10,
    browsers: input.browsers ?? 2,
    chromiumPath: input.chromiumPath ?? '/usr/bin/chromium',
    demoSite: input.demoSite ?? true,
    logLevel: input.logLevel ?? 'info',
  };
  if (options.host.trim() === '') problems.push({ option: '--host', message: 'must not be empty' });
  if (!['standard', 'ephemeral'].includes(options.ports))
    problems.push({
      option: '--ports',
      message: `must be standard or ephemeral, got ${JSON.stringify(options.ports)}`,
    });
  if (!['in-process', 'processes'].includes(options.mode))
    problems.push({
      option: '--mode',
      message: `must be in-process or processes, got ${JSON.stringify(options.mode)}`,
    });
  checkUrl(problems, '--redis-url', options.redisUrl, ['redis:', 'rediss:']);
  checkUrl(problems, '--database-url', options.databaseUrl, ['postgres:', 'postgresql:']);
  for (const b of options.kafkaBrokers)
    if (!HOST_PORT.test(b))
      problems.push({ option: '--kafka-brokers', message: `has ${JSON.stringify(b)}, not host:port` });
  if (!/^[A-Za-z0-9._-]+$/.test(options.topicPrefix))
    problems.push({ option: '--topic-prefix', message: 'may only hold letters, digits, ".", "_" and "-"' });
  if (options.mode === 'processes' && options.kafkaBrokers.length === 0)
    problems.push({
      option: '--kafka-brokers',
      message: 'is required with --mode processes (separate processes cannot share the in-process bus)',
    });
  checkInt(problems, '--prewarm', options.prewarm, 0, 16);
  checkInt(problems, '--max-sessions', options.maxSessions, 1, 1000);
  checkInt(problems, '--browsers', options.browsers, 1, 16);
  if (!LOG_LEVELS.includes(options.logLevel))
    problems.push({ option: '--log-level', message: `must be one of ${LOG_LEVELS.join(', ')}` });
  if (problems.length > 0) throw new PlatformOptionsError(problems);
  return options;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
