/**
 * {@link SessionProvider} over the session broker's gRPC API: CreateSession
 * (labelled with the task id, `request_id` = task id so a retry never makes a
 * second session) for ephemeral sessions, IssueSessionToken for existing
 * ones (a trusted-caller RPC: the executor's service credential travels as
 * `x-nightglow-caller-key` metadata, so the executor never needs the broker's
 * token secret), DeleteSession after an ephemeral use. The CDP endpoint is the
 * broker's proxy; the session token travels as `Authorization: Bearer`.
 */
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
   * The executor's service credential, one of the broker's `TRUSTED_CALLER_KEYS`:
   * with it the broker issues the token of a session the executor did not create.
   * Unset: tasks naming an existing session are refused FAILED_PRECONDITION.
   */
  readonly callerKey?: string;
};

const TASK_LABEL = 'nightglow.io/task-id';
/** The request metadata carrying the executor's service credential (the broker's IssueSessionToken). */
export const CALLER_KEY_HEADER = 'x-nightglow-caller-key';

function refusedCredential(ce: ConnectError, configured: boolean): ExecutorError {
  const why = configured
    ? "the session broker does not accept the executor's BROKER_CALLER_KEY (it must be one of the broker's TRUSTED_CALLER_KEYS)"
    : "tasks in an existing session need BROKER_CALLER_KEY (one of the broker's TRUSTED_CALLER_KEYS) on the executor";
  return new ExecutorError('FAILED_PRECONDITION', `${why}: ${ce.rawMessage}`, {
    cause: ce,
    reason: 'BROKER_CREDENTIAL_REFUSED',
  });
}

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
  const headers = opts.callerKey === undefined ? {} : { [CALLER_KEY_HEADER]: opts.callerKey };

  /** The session with its token; NOT_FOUND, FAILED_PRECONDITION (not READY, credential refused), UNAVAILABLE. */
  const getReady = async (id: string, signal?: AbortSignal): Promise<{ session: Session; token: string }> => {
    const res = await client
      .issueSessionToken({ sessionId: id }, { ...(signal ? { signal } : {}), headers, timeoutMs: 10_000 })
      .catch((e: unknown) => {
        const ce = ConnectError.from(e);
        if (ce.code === Code.Unauthenticated || ce.code === Code.PermissionDenied)
          throw refusedCredential(ce, opts.callerKey !== undefined);
        if (ce.code === Code.FailedPrecondition) {
          throw new ExecutorError('FAILED_PRECONDITION', `session ${JSON.stringify(id)} is closed: ${ce.rawMessage}`, {
            reason: 'SESSION_NOT_READY',
          });
        }
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
    return { session: s, token: res.token };
  };

  return {
    check: async (id, signal) => void (await getReady(id, signal)),
    async acquire(req, signal) {
      if (req.session.case === 'sessionId') {
        const { session, token } = await getReady(req.session.value, signal);
        return acquired(session, false, token);
      }
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
