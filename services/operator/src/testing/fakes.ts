/** Plain-object fakes of the operator's ports for unit tests. */
import type { BrokerApi, BrokerSession, CreateSessionInput } from '../clients/broker-api.js';
import type { WatchUpdate } from '../clients/watch-update.js';
import type { EventRecorder } from '../controller/events.js';
import { OperatorError } from '../errors.js';

/** An EventRecorder that keeps `reason: message` lines. */
export function recordingEvents(): EventRecorder & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, record: async (_obj, _type, reason, message) => void lines.push(`${reason}: ${message}`) };
}

/**
 * Watch streams a test drives: `open` is what a port's watch method returns;
 * `push` delivers an update to every open stream of an id, `fail` breaks
 * them with an error, `end` finishes them normally.
 */
export type FakeStreams<T> = {
  open(id: string, signal: AbortSignal): AsyncIterable<WatchUpdate<T>>;
  push(id: string, update: WatchUpdate<T>): void;
  fail(id: string, error: Error): void;
  end(id: string): void;
  /** Streams opened so far, per id (reopens included). */
  opens(id: string): number;
  /** Streams of `id` open now. */
  active(id: string): number;
};

type Channel<T> = { items: (WatchUpdate<T> | Error | 'end')[]; wake: (() => void) | undefined };

/** Creates {@link FakeStreams}. */
export function createFakeStreams<T>(): FakeStreams<T> {
  const channels = new Map<string, Set<Channel<T>>>();
  const opened = new Map<string, number>();
  const send = (id: string, item: WatchUpdate<T> | Error | 'end'): void => {
    for (const c of channels.get(id) ?? []) {
      c.items.push(item);
      c.wake?.();
    }
  };
  return {
    async *open(id, signal) {
      const c: Channel<T> = { items: [], wake: undefined };
      const set = channels.get(id) ?? new Set<Channel<T>>();
      channels.set(id, set.add(c));
      opened.set(id, (opened.get(id) ?? 0) + 1);
      const onAbort = (): void => c.wake?.();
      signal.addEventListener('abort', onAbort);
      try {
        for (;;) {
          if (signal.aborted) throw new OperatorError('UNAVAILABLE', 'stream cancelled');
          const item = c.items.shift();
          if (item === undefined) {
            await new Promise<void>((resolve) => (c.wake = resolve));
            c.wake = undefined;
          } else if (item === 'end') return;
          else if (item instanceof Error) throw item;
          else yield item;
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        set.delete(c);
      }
    },
    push: (id, update) => send(id, update),
    fail: (id, error) => send(id, error),
    end: (id) => send(id, 'end'),
    opens: (id) => opened.get(id) ?? 0,
    active: (id) => channels.get(id)?.size ?? 0,
  };
}

/** A broker with one pool `default` whose sessions the test moves along. */
export type FakeBroker = BrokerApi & {
  /** The sessions' watch streams (`watchSession`). */
  readonly streams: FakeStreams<BrokerSession>;
  readonly sessions: Map<string, BrokerSession & { requestId: string }>;
  readonly created: CreateSessionInput[];
  readonly deleted: string[];
  set(id: string, patch: Partial<BrokerSession>): void;
  down: boolean;
};

/** Creates a {@link FakeBroker}. */
export function createFakeBroker(): FakeBroker {
  const sessions = new Map<string, BrokerSession & { requestId: string }>();
  const streams = createFakeStreams<BrokerSession>();
  const fake: FakeBroker = {
    sessions,
    streams,
    created: [],
    deleted: [],
    down: false,
    set: (id, patch) => {
      const s = sessions.get(id);
      if (s) sessions.set(id, { ...s, ...patch });
    },
    getPool: async () => ({ maxSessions: 4, inUse: 0, queued: 0, readyBrowsers: 1, browsers: [] }),
    createSession: async (input) => {
      if (fake.down) throw new OperatorError('UNAVAILABLE', 'broker down');
      if (input.pool !== 'default')
        throw new OperatorError('NOT_FOUND', `broker CreateSession: pool "${input.pool}" not found`);
      fake.created.push(input);
      const existing = [...sessions.values()].find((s) => s.requestId === input.requestId);
      if (existing) return { session: existing, token: `token-${existing.id}` };
      const id = `s-${sessions.size + 1}`;
      const s = {
        id,
        requestId: input.requestId,
        state: 'STARTING' as const,
        cdpEndpoint: `ws://broker/cdp/${id}`,
        browserId: 'b-1',
        queuePosition: 0,
        closeReason: '',
        closeMessage: '',
      };
      sessions.set(id, s);
      return { session: s, token: `token-${id}` };
    },
    getSession: async (id) => {
      if (fake.down) throw new OperatorError('UNAVAILABLE', 'broker down');
      const s = sessions.get(id);
      if (!s) throw new OperatorError('NOT_FOUND', `session ${id} not found`);
      return s;
    },
    deleteSession: async (id) => {
      if (fake.down) throw new OperatorError('UNAVAILABLE', 'broker down');
      if (!sessions.has(id)) throw new OperatorError('NOT_FOUND', `session ${id} not found`);
      fake.deleted.push(id);
      fake.set(id, { state: 'CLOSED' });
    },
    watchSession: (id, signal) => streams.open(id, signal),
  };
  return fake;
}
