/**
 * Test support: a fake browser source and fake browser agents, so the whole
 * broker runs in unit tests without Chromium. Launches resolve at once (or
 * fail on demand); `crash(id)` reports a browser gone like a killed process.
 */
import { createCdpConnection, type CdpSession } from '@nightglow/cdp';
import { createFakeBrowser } from '@nightglow/cdp/testing';
import type { BrowserAgent, PageTarget } from '../browsers/browser-agent.js';
import type { BrowserEndpoint, BrowserSource, SourceListener } from '../browsers/source.js';

/** What the fakes did, for assertions. */
export type FakeLog = {
  readonly launched: string[];
  readonly released: string[];
  readonly contexts: string[];
  readonly disposed: string[];
};

/** A fake source plus handles to drive it. */
export type FakeBrowsers = {
  readonly log: FakeLog;
  readonly source: () => BrowserSource;
  readonly connect: (endpoint: BrowserEndpoint) => Promise<BrowserAgent>;
  /** Makes the next `n` launches fail. */
  failLaunches(n: number): void;
  /** Sets the resident memory a browser reports. */
  setMemory(id: string, bytes: number): void;
  /** Reports browser `id` crashed (like a SIGKILLed process). */
  crash(id: string, message?: string): void;
};

const fakeSession = (sessionId: string): CdpSession =>
  ({ sessionId, send: () => Promise.resolve({}), on: () => () => undefined }) as unknown as CdpSession;

/** Creates the fakes. */
export function createFakeBrowsers(): FakeBrowsers {
  const log: FakeLog = { launched: [], released: [], contexts: [], disposed: [] };
  let failures = 0;
  let listener: SourceListener | undefined;
  let seq = 0;
  const closers = new Map<string, () => void>();
  const memory = new Map<string, number>();
  const source = (): BrowserSource => ({
    kind: 'local',
    canLaunch: true,
    start(l) {
      listener = l;
      return Promise.resolve();
    },
    launch({ id }) {
      if (failures > 0) {
        failures--;
        return Promise.reject(new Error('cannot launch Chromium: test failure'));
      }
      log.launched.push(id);
      return Promise.resolve({ id, wsUrl: `ws://fake/${id}`, headers: {}, podName: '', sidecarAddress: '' });
    },
    release(id) {
      log.released.push(id);
      return Promise.resolve();
    },
    memoryBytes: (id) => memory.get(id) ?? 0,
    close: () => Promise.resolve(),
  });
  const connect = (endpoint: BrowserEndpoint): Promise<BrowserAgent> => {
    const pages: PageTarget[] = [];
    const onClose = new Set<() => void>();
    closers.set(endpoint.id, () => onClose.forEach((l) => l()));
    const agent: BrowserAgent = {
      connection: createCdpConnection(createFakeBrowser().transport),
      version: 'Chrome/fake',
      userAgent: 'FakeChrome',
      createContext: () => {
        const id = `CTX-${++seq}`;
        log.contexts.push(id);
        return Promise.resolve(id);
      },
      disposeContext: (id) => {
        log.disposed.push(id);
        return Promise.resolve();
      },
      setEmulation: () => undefined,
      openPage: (contextId) => {
        const targetId = `T-${++seq}`;
        pages.unshift({
          info: {
            targetId,
            type: 'page',
            title: '',
            url: 'about:blank',
            attached: true,
            browserContextId: contextId ?? 'DEFAULT',
          },
          touched: seq,
        });
        return Promise.resolve({ targetId, session: fakeSession(`S-${targetId}`) });
      },
      pageSession: (targetId) => Promise.resolve(fakeSession(`S-${targetId}`)),
      contextOf: (targetId) => pages.find((p) => p.info.targetId === targetId)?.info.browserContextId,
      pages: (ctx) => pages.filter((p) => ctx === undefined || p.info.browserContextId === ctx),
      onClose: (l) => (onClose.add(l), () => onClose.delete(l)),
      close: () => Promise.resolve(),
    };
    return Promise.resolve(agent);
  };
  return {
    log,
    source,
    connect,
    failLaunches: (n) => void (failures = n),
    setMemory: (id, bytes) => void memory.set(id, bytes),
    crash(id, message = 'browser process exited with signal SIGKILL') {
      listener?.removed(id, message, true);
    },
  };
}
