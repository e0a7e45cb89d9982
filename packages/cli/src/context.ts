/**
 * What every command gets: the process's I/O (injected, so tests run the
 * program in-process), the global options, the endpoints and clients
 * (resolved lazily, so `--help` or a bad task file never touches the
 * network), and the printers for `-o table|json|yaml`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { createClients, type Clients } from './clients.js';
import { homeDir, parseEndpointsFile, resolveEndpoints, type Endpoints, type EndpointsFile } from './endpoints.js';
import { usageError } from './errors.js';

/** A place to write text: process.stdout/stderr or a test's buffer. */
export type Output = { write(chunk: string): unknown; readonly isTTY?: boolean; readonly columns?: number };

/** The outside world of one CLI run. */
export type CliIo = {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (task files, output folders) resolve against this. */
  readonly cwd: string;
  /** Aborted on Ctrl-C: streams stop, `task run` cancels its task. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds; default Date.now. */
  readonly now?: () => number;
};

/** `-o` values. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The program-wide options (see `nightglow --help`). */
export type GlobalOptions = {
  readonly endpoint?: string;
  readonly broker?: string;
  readonly executor?: string;
  readonly records?: string;
  readonly home?: string;
  readonly apiKey?: string;
  readonly output: OutputFormat;
};

/** Everything a command's action uses. */
export type CommandContext = {
  readonly io: CliIo;
  readonly format: OutputFormat;
  readonly home: string;
  now(): number;
  endpoints(): Endpoints;
  clients(): Clients;
  /** Writes `text` to stdout as is. */
  print(text: string): void;
  /** Writes a line to stderr (notes, progress without a TTY in json/yaml mode). */
  note(text: string): void;
  /** Prints a message as proto JSON/YAML, or `human()` in table mode. */
  emit<D extends DescMessage>(schema: D, message: MessageShape<D>, human: () => string): void;
  /** Prints plain data (JSON-serializable) as JSON/YAML, or `human()` in table mode. */
  emitData(data: unknown, human: () => string): void;
  /** One item of a stream: a line of JSON (NDJSON), a YAML document, or `human()`. */
  emitItem(data: unknown, human: () => string): void;
};

/** Reads `<home>/endpoints.json`; undefined when there is none. */
export function readEndpointsFile(home: string): EndpointsFile | undefined {
  const path = join(home, 'endpoints.json');
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw usageError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  return parseEndpointsFile(json, path);
}

/** Builds the context of the command being run from its (and the program's) options. */
export function createContext(io: CliIo, cmd: Command): CommandContext {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const home = homeDir(opts.home, io.env);
  let endpoints: Endpoints | undefined;
  let clients: Clients | undefined;
  const format = opts.output;
  const ctx: CommandContext = {
    io,
    format,
    home,
    now: () => (io.now ?? Date.now)(),
    endpoints() {
      endpoints ??= resolveEndpoints({
        flags: { endpoint: opts.endpoint, broker: opts.broker, executor: opts.executor, records: opts.records },
        env: io.env,
        readFile: () => readEndpointsFile(home),
      });
      return endpoints;
    },
    clients() {
      if (!clients) {
        const e = ctx.endpoints();
        const key = opts.apiKey ?? nonEmpty(io.env['NIGHTGLOW_API_KEY']) ?? e.file?.apiKey;
        clients = createClients(e, key);
      }
      return clients;
    },
    print: (text) => void io.stdout.write(text),
    note: (text) => void io.stderr.write(`${text}\n`),
    emit(schema, message, human) {
      ctx.emitData(format === 'table' ? null : toJson(schema, message), human);
    },
    emitData(data, human) {
      if (format === 'json') ctx.print(`${JSON.stringify(data, null, 2)}\n`);
      else if (format === 'yaml') ctx.print(stringify(data));
      else ctx.print(human());
    },
    emitItem(data, human) {
      if (format === 'json') ctx.print(`${JSON.stringify(data)}\n`);
      else if (format === 'yaml') ctx.print(`---\n${stringify(data)}`);
      else ctx.print(human());
    },
  };
  return ctx;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
