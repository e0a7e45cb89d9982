/**
 * Where the services are. Per service, the first of: its flag (`--broker`,
 * `--executor`, `--records`), `--endpoint`, its environment variable
 * (`NIGHTGLOW_BROKER_URL`, …), `NIGHTGLOW_ENDPOINT`, the `endpoints.json` that
 * `nightglow up` writes in the home folder, and finally `http://127.0.0.1`
 * with the standard HTTP port. `--endpoint`/`NIGHTGLOW_ENDPOINT` name one host
 * for all three, on the standard ports unless the URL names a port.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { usageError, type ServiceName } from './errors.js';

/** The services' standard HTTP (Connect) ports. */
export const STANDARD_HTTP_PORTS: Readonly<Record<ServiceName, number>> = {
  broker: 8081,
  executor: 8082,
  records: 8084,
};

const SERVICE_FLAGS: Readonly<Record<ServiceName, string>> = {
  broker: '--broker',
  executor: '--executor',
  records: '--records',
};
const SERVICE_ENV: Readonly<Record<ServiceName, string>> = {
  broker: 'NIGHTGLOW_BROKER_URL',
  executor: 'NIGHTGLOW_EXECUTOR_URL',
  records: 'NIGHTGLOW_RECORDS_URL',
};
const FILE_KEYS: Readonly<Record<ServiceName, string>> = {
  broker: 'broker',
  executor: 'executor',
  records: 'recordStore',
};

/** The endpoint flags as parsed (all optional). */
export type EndpointFlags = {
  readonly endpoint?: string | undefined;
  readonly broker?: string | undefined;
  readonly executor?: string | undefined;
  readonly records?: string | undefined;
};

/** The content of `endpoints.json` that matters here, validated. */
export type EndpointsFile = {
  readonly path: string;
  readonly pid?: number;
  readonly services: Partial<Record<ServiceName, string>>;
  readonly demoSite?: string;
  /** Optional record-store API key (`services.recordStore.apiKey`). */
  readonly apiKey?: string;
};

/** One resolved endpoint and where it came from (for messages). */
export type Endpoint = { readonly url: string; readonly source: string };

/** Every service's endpoint. */
export type Endpoints = Readonly<Record<ServiceName, Endpoint>> & { readonly file?: EndpointsFile };

/** Inputs of {@link resolveEndpoints}. */
export type ResolveInput = {
  readonly flags: EndpointFlags;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads endpoints.json; called only when a service is not named by a flag or variable. */
  readonly readFile: () => EndpointsFile | undefined;
};

/** `http://h`, `https://h:1`, or a bare `h`/`h:1` (http assumed); refuses anything else, naming `what`. */
export function parseBaseUrl(raw: string, what: string): URL {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usageError(`${what}: not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw usageError(`${what}: must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  if (text === '' || url.hostname === '') throw usageError(`${what}: a host is required, got ${JSON.stringify(raw)}`);
  return url;
}

/** A base URL without a trailing slash. */
function base(url: URL): string {
  return url.toString().replace(/\/+$/, '');
}

/** The URL of `service` on the host of `--endpoint`: its standard port unless the URL names one. */
export function onHost(raw: string, service: ServiceName, what: string): string {
  const url = parseBaseUrl(raw, what);
  if (url.port === '') url.port = String(STANDARD_HTTP_PORTS[service]);
  return base(url);
}

/** Resolves every service's endpoint (see the module comment for the order). */
export function resolveEndpoints(input: ResolveInput): Endpoints {
  const { flags, env } = input;
  let file: EndpointsFile | undefined;
  let fileRead = false;
  const fromFile = (): EndpointsFile | undefined => {
    if (!fileRead) {
      file = input.readFile();
      fileRead = true;
    }
    return file;
  };
  const one = (s: ServiceName): Endpoint => {
    const flag = flags[s];
    if (flag !== undefined) return { url: base(parseBaseUrl(flag, SERVICE_FLAGS[s])), source: SERVICE_FLAGS[s] };
    if (flags.endpoint !== undefined) return { url: onHost(flags.endpoint, s, '--endpoint'), source: '--endpoint' };
    const v = env[SERVICE_ENV[s]];
    if (v !== undefined && v !== '') return { url: base(parseBaseUrl(v, SERVICE_ENV[s])), source: SERVICE_ENV[s] };
    const all = env['NIGHTGLOW_ENDPOINT'];
    if (all !== undefined && all !== '')
      return { url: onHost(all, s, 'NIGHTGLOW_ENDPOINT'), source: 'NIGHTGLOW_ENDPOINT' };
    const f = fromFile();
    const u = f?.services[s];
    if (f && u !== undefined) return { url: u, source: f.path };
    return { url: `http://127.0.0.1:${STANDARD_HTTP_PORTS[s]}`, source: 'default' };
  };
  const resolved = { broker: one('broker'), executor: one('executor'), records: one('records') };
  return file ? { ...resolved, file } : resolved;
}

/** The home folder: `--home`, else `NIGHTGLOW_HOME`, else `~/.nightglow`. */
export function homeDir(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (flag !== undefined && flag !== '') return flag;
  const v = env['NIGHTGLOW_HOME'];
  return v !== undefined && v !== '' ? v : join(homedir(), '.nightglow');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates the parsed content of an endpoints file (shape
 * `{version: 1, pid, services: {broker: {http}, executor: {http}, recordStore: {http, apiKey?}}, demoSite}`),
 * naming the file and the field of any problem.
 */
export function parseEndpointsFile(json: unknown, path: string): EndpointsFile {
  const bad = (field: string, msg: string) => usageError(`${path}: ${field}: ${msg}`);
  if (!isObject(json)) throw bad('(top level)', 'must be a JSON object');
  if (json['version'] !== 1) throw bad('version', `must be 1, got ${JSON.stringify(json['version'])}`);
  const services = json['services'];
  if (!isObject(services)) throw bad('services', 'must be an object');
  const out: Partial<Record<ServiceName, string>> = {};
  let apiKey: string | undefined;
  for (const s of ['broker', 'executor', 'records'] as const) {
    const key = FILE_KEYS[s];
    const entry = services[key];
    if (entry === undefined) continue;
    if (!isObject(entry)) throw bad(`services.${key}`, 'must be an object');
    const http = entry['http'];
    if (http !== undefined) {
      if (typeof http !== 'string') throw bad(`services.${key}.http`, 'must be a string');
      out[s] = base(parseBaseUrl(http, `${path}: services.${key}.http`));
    }
    if (s === 'records' && typeof entry['apiKey'] === 'string') apiKey = entry['apiKey'];
  }
  const pid = json['pid'];
  const demo = json['demoSite'];
  return {
    path,
    services: out,
    ...(typeof pid === 'number' ? { pid } : {}),
    ...(typeof demo === 'string' ? { demoSite: demo } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
  };
}
