/**
 * @nightglow/session-broker: the service definition (with its ports
 * replaceable for tests and the all-in-one) and its config loader.
 */
export { loadConfig } from './config.js';
/** The validated configuration (see README for every variable). */
export type { BrokerConfig } from './config.js';
export { createSessionBrokerService, sessionBrokerService } from './service.js';
/** Ports the all-in-one or a test may replace: clock, bus, browser sources, CDP connector, sidecars. */
export type { BrokerOverrides } from './service.js';
/** The browser-endpoint port a pool's source implements (for `decorateSource`). */
export type { BrowserEndpoint, BrowserSource, LaunchOptions, SourceListener } from './browsers/source.js';
/** A pool's validated configuration. */
export type { PoolConfig } from './pools/pool-config.js';
/** Launches one headless Chromium in its own process group (the all-in-one's browser "pods"). */
export { launchLocalChromium } from './browsers/local/launcher.js';
/** What {@link launchLocalChromium} takes and returns. */
export type { LaunchedChromium, LaunchSpec } from './browsers/local/launcher.js';
