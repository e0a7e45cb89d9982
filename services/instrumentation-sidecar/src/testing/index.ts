/**
 * `@nightglow/instrumentation-sidecar/testing`: fixtures and doubles for the
 * sidecar's tests and its benchmark — fixture pages with known properties, a
 * CDP driver playing broker and executor, a recording bus, a scripted fake
 * Chromium. Never for production code.
 */
export { connectDriver, eventually } from './driver.js';
export type { Driver, DriverPage } from './driver.js';
export { emitPageLoad, fakeChromium, FAKE_PROBE } from './fake-page.js';
export { ASSET_BYTES, FIXTURE_PAGES, LCP_DELAY_MS, startFixtureSite } from './fixture-site.js';
export type { FixtureSite } from './fixture-site.js';
export { PROBE_PAGE } from './probe-page.js';
export { recordingBus } from './recording-bus.js';
export type { RecordingBus } from './recording-bus.js';
export { retrying } from './retry.js';
