/**
 * Test doubles for unit tests: a scripted fake browser on the far end of an
 * in-memory transport, and a manual clock. Not part of the package's surface.
 */
import type { CdpCommandMessage } from '../messages.js';
import type { CdpClock } from '../pending-commands.js';
import { createMemoryTransportPair, type CdpTransport } from '../transport.js';

/** What the fake answers: a result, a CDP error, or nothing (the command hangs until `reply`). */
export type FakeReply =
  { readonly result: Record<string, unknown> } | { readonly error: { code: number; message: string } } | 'never';

/** A scripted handler; returning `undefined` answers `{ result: {} }`. */
export type FakeHandler = (command: CdpCommandMessage, browser: FakeBrowser) => FakeReply | undefined;

/** The browser end: scripts answers per method, records every command, emits events. */
export type FakeBrowser = {
  /** The client end, for `createCdpConnection`. */
  readonly transport: CdpTransport;
  /** Every command received, in order. */
  readonly received: CdpCommandMessage[];
  /** Scripts the answer to `method` (replaces an earlier script). */
  handle(method: string, handler: FakeHandler): void;
  /** Sends an event, on `sessionId` when given. */
  emit(method: string, params: Record<string, unknown>, sessionId?: string): void;
  /** Answers command `id` now (for commands scripted with `'never'`). */
  reply(id: number, reply: Exclude<FakeReply, 'never'>): void;
  /** `method` and `sessionId` of each received command, e.g. `Page.enable@S1`. */
  log(): string[];
  /** Closes the transport from the browser side. */
  close(): void;
};

/** Creates a {@link FakeBrowser}; unscripted methods answer `{}`. */
export function createFakeBrowser(): FakeBrowser {
  const { client, server } = createMemoryTransportPair();
  const handlers = new Map<string, FakeHandler>();
  const received: CdpCommandMessage[] = [];
  const browser: FakeBrowser = {
    transport: client,
    received,
    handle: (method, handler) => void handlers.set(method, handler),
    emit(method, params, sessionId) {
      server.send(JSON.stringify(sessionId === undefined ? { method, params } : { method, params, sessionId }));
    },
    reply(id, reply) {
      server.send(JSON.stringify({ id, ...reply }));
    },
    log: () => received.map((c) => (c.sessionId === undefined ? c.method : `${c.method}@${c.sessionId}`)),
    close: () => server.close(),
  };
  server.onmessage = (text) => {
    const command = JSON.parse(text) as CdpCommandMessage;
    received.push(command);
    const reply = handlers.get(command.method)?.(command, browser) ?? { result: {} };
    if (reply !== 'never') browser.reply(command.id, reply);
  };
  return browser;
}

/** Lets every queued in-memory message and promise continuation run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A clock whose time moves only on `advance`. */
export type ManualCdpClock = CdpClock & { advance(ms: number): void; pendingTimers(): number };

/** Creates a {@link ManualCdpClock} at time 0. */
export function createManualCdpClock(): ManualCdpClock {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimeout(fn, ms) {
      const id = seq++;
      timers.set(id, { at: now + ms, fn });
      return { cancel: () => void timers.delete(id) };
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = target;
    },
    pendingTimers: () => timers.size,
  };
}
