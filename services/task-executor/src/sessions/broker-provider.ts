/**
 * {@link SessionProvider} over the session broker's gRPC API: CreateSession
 * (labelled with the task id, `request_id` = task id so a retry never makes a
 * second session) for ephemeral sessions, GetSession for existing ones,
 * DeleteSession after an ephemeral use. The CDP endpoint is the broker's
 * proxy; the session token travels as `Authorization: Bearer`.
 */
import { createHmac } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { SessionBroker, SessionState, type Session } from '@nightglow/contracts/broker/v1';
import { createServiceClient, type Logger, type Tracing } from '@nightglow/runtime';
import { ExecutorError } from '../errors.js';
import type { AcquiredSession, SessionProvider } from './port.js';

/** Options of {@link createBrokerSessionProvider}. */
export type BrokerProviderOptions = {
  /** The broker's gRPC URL, e.g. `http://127.0.0.1:50051`. */
  readonly baseUrl: string;
  readonly tracing: Tracing;
  readonly logger: Logger;
  /**
   * The broker's session-token secret, to connect to sessions the executor did
   * not create (GetSession never returns a token). Unset: existing sessions
   * are connected to without a token.
   */
  readonly tokenSecret?: Uint8Array;
};

const TASK_LABEL = 'nightglow.io/task-id';

function fromBroker(e: unknown, what: string): ExecutorError {
  const ce = ConnectError.from(e);
  if (ce.code === Code.NotFound) return new ExecutorError('NOT_FOUND', `${what}: ${ce.rawMessage}`, { cause: e });
  if (ce.code === Code.InvalidArgument)
    return new ExecutorError('FAILED_PRECONDITION', `${what}: ${ce.rawMessage}`, { cause: e });
  return new ExecutorError('UNAVAILABLE', `${what}: ${ce.rawMessage}`, { cause: e });
}

function acquired(s: Session, ephemeral: boolean, token: string | undefined): AcquiredSession {
  return {
    sessionId: s.id,
    pool: s.pool,
    ephemeral,
    sidecarAddress: s.sidecarAddress,
    browserContextId: s.browserContextId,
    endpoint: { wsEndpoint: s.cdpEndpoint, headers: token ? { authorization: `Bearer ${token}` } : {} },
  };
}

/** Creates the broker-backed {@link SessionProvider}. */
export function createBrokerSessionProvider(opts: BrokerProviderOptions): SessionProvider {
  const client = createServiceClient(SessionBroker, { baseUrl: opts.baseUrl, tracing: opts.tracing });
  const tokenOf = (id: string): string | undefined =>
    opts.tokenSecret && createHmac('sha256', opts.tokenSecret).update(`nightglow-session:${id}`).digest('base64url');

  const getReady = async (id: string, signal?: AbortSignal): Promise<Session> => {
    const res = await client
      .getSession({ sessionId: id }, { ...(signal ? { signal } : {}), timeoutMs: 10_000 })
      .catch((e: unknown) => {
        const err = fromBroker(e, `session ${JSON.stringify(id)}`);
        throw err.code === 'NOT_FOUND' ? ExecutorError.notFound('session', id) : err;
      });
    const s = res.session;
    if (!s) throw ExecutorError.notFound('session', id);
    if (s.state !== SessionState.READY) {
      throw new ExecutorError(
        'FAILED_PRECONDITION',
        `session ${JSON.stringify(id)} is ${SessionState[s.state]}, not READY`,
        { reason: 'SESSION_NOT_READY' },
      );
    }
    return s;
  };

  return {
    check: async (id, signal) => void (await getReady(id, signal)),
    async acquire(req, signal) {
      if (req.session.case === 'sessionId')
        return acquired(await getReady(req.session.value, signal), false, tokenOf(req.session.value));
      const eph = req.session.case === 'ephemeralSession' ? req.session.value : undefined;
      const res = await client
        .createSession(
          {
            pool: eph?.pool ?? '',
            ...(eph?.options ? { options: eph.options } : {}),
            labels: { ...(eph?.labels ?? {}), [TASK_LABEL]: req.taskId },
            requestId: req.taskId,
          },
          { signal },
        )
        .catch((e: unknown) => {
          throw fromBroker(e, 'could not create an ephemeral session');
        });
      if (!res.session) throw new ExecutorError('UNAVAILABLE', 'the broker returned no session');
      return acquired(res.session, true, res.token);
    },
    async release(s) {
      if (!s.ephemeral) return;
      await client
        .deleteSession({ sessionId: s.sessionId, reason: 'task finished' }, { timeoutMs: 10_000 })
        .catch((e: unknown) => {
          opts.logger.warn({ err: e, session_id: s.sessionId }, 'could not delete the ephemeral session');
        });
    },
    close: async () => undefined,
  };
}
