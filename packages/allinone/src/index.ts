/**
 * @nightglow/allinone: the whole platform on one machine, behind `nightglow up`.
 * In-process by default (one Node process, in-process bus and state, PGlite,
 * local Chromium with a sidecar per browser, the demo site); any default can
 * be swapped for Kafka, Redis, PostgreSQL or a Kubernetes API, and
 * `mode: 'processes'` runs every service and browser as its own process.
 */
import { join } from 'node:path';
import { readEndpoints } from './endpoints-file.js';
import { startInProcess } from './in-process.js';
import { resolvePlatformOptions, type PlatformOptionsInput } from './options.js';
import { isAlive, reapChromiumUnder, type Platform } from './platform.js';
import { startProcesses } from './processes.js';

/** Another live platform already runs from this data folder. */
export class PlatformBusyError extends Error {
  constructor(
    readonly home: string,
    readonly pid: number,
  ) {
    super(`a platform is already running from ${home} (process ${pid}): stop it first, or use another --home`);
    this.name = 'PlatformBusyError';
  }
}

/**
 * Validates `input` (throws PlatformOptionsError naming each bad option), refuses a data
 * folder another live platform uses (PlatformBusyError), reaps Chromium a killed platform
 * left there, starts, and resolves once ready.
 */
export async function startPlatform(input: PlatformOptionsInput = {}): Promise<Platform> {
  const options = resolvePlatformOptions(input);
  const running = await readEndpoints(options.home).catch(() => undefined);
  if (running !== undefined && running.pid !== process.pid && isAlive(running.pid))
    throw new PlatformBusyError(options.home, running.pid);
  // Browsers of a platform that was killed outright run on in their own process groups.
  reapChromiumUnder(join(options.home, 'browsers'));
  return options.mode === 'processes' ? startProcesses(options) : startInProcess(options);
}

export { defaultHome, isLoopback, PlatformOptionsError, resolvePlatformOptions } from './options.js';
export type {
  OptionProblem,
  PlatformLogLevel,
  PlatformOptions,
  PlatformOptionsInput,
  PortMode,
  RunMode,
} from './options.js';
export { endpointsPath, readEndpoints } from './endpoints-file.js';
export type { PlatformEndpoints, ServiceEndpoint } from './endpoints-file.js';
export type { Platform, StopReport } from './platform.js';
export { chromiumUnder, reapChromiumUnder } from './platform.js';
export { PortInUseError, STANDARD_PORTS } from './ports.js';
export type { PortPlan } from './ports.js';
