/** Plain-object fakes of the operator's ports for unit tests. */
import type { BrokerApi, BrokerSession, CreateSessionInput } from '../clients/broker-api.js';
import type { EventRecorder } from '../controller/events.js';
import { OperatorError } from '../errors.js';

/** An EventRecorder that keeps `reason: message` lines. */
export function recordingEvents(): EventRecorder & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, record: async (_obj, _type, reason, message) => void lines.push(`${reason}: ${message}`) };
}

/** A broker with one pool `default` whose sessions the test moves along. */
export type FakeBroker = BrokerApi & {
  readonly sessions: Map<string, BrokerSession & { requestId: string }>;
  readonly created: CreateSessionInput[];
  readonly deleted: string[];
  set(id: string, patch: Partial<BrokerSession>): void;
  down: boolean;
};

/** Creates a {@link FakeBroker}. */
export function createFakeBroker(): FakeBroker {
  const sessions = new Map<string, BrokerSession & { requestId: string }>();
  const fake: FakeBroker = {
    sessions,
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
  };
  return fake;
}
