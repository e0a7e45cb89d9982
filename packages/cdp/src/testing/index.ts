/**
 * `@nightglow/cdp/testing`: doubles for other packages' unit tests — a scripted
 * fake browser on an in-memory transport, a manual clock for command timeouts,
 * and `flush()` to let queued in-memory messages arrive. Never for production code.
 */
export { createFakeBrowser, createManualCdpClock, flush } from './fake-browser.js';
export type { FakeBrowser, FakeHandler, FakeReply, ManualCdpClock } from './fake-browser.js';
