/**
 * The CDP proxy's entry: WebSocket upgrades on the broker's HTTP port at
 * `/cdp/<session id>`, authorized by the session token (`Authorization: Bearer
 * <token>` or `?token=`), compared in constant time. Refusals happen before the
 * upgrade, as plain HTTP: 401 (no token), 403 (wrong token), 404 (unknown
 * session or path), 409 (session not READY), 502 (browser or owner unreachable).
 *
 * The replica that owns the session bridges the client to a new browser
 * connection under the confinement rules; any other replica relays the
 * connection to the owner's address (stored with the session), marked with
 * `x-nightglow-forwarded-by` so a stale owner address can never loop.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { Logger } from '@nightglow/runtime';
import type { ActivityTracker } from '../sessions/activity.js';
import type { SessionRecord } from '../sessions/record.js';
import type { TokenAuthority } from '../sessions/tokens.js';
import type { SessionStore } from '../store/port.js';
import { bridgeSockets, type BridgeCounters } from './bridge.js';
import { createConfinementState, type ConfinementScope } from './confinement-state.js';
import type { ProxyConnections } from './connections.js';
import { acceptClient, openUpstream, type UpstreamRefusal } from './ws-handshake.js';

/** Where the owner bridges a session's client: the browser and the confinement scope. */
export type LocalTarget = {
  readonly wsUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly scope: ConfinementScope;
};

/** Dependencies of {@link createUpgradeHandler}. */
export type UpgradeDeps = {
  readonly store: SessionStore;
  readonly tokens: () => TokenAuthority;
  readonly replicaId: string;
  /** The browser of a session this replica owns; undefined when it has none (yet). */
  readonly localTarget: (record: SessionRecord) => LocalTarget | undefined;
  readonly connections: ProxyConnections;
  readonly activity: ActivityTracker;
  readonly counters: (pool: string) => BridgeCounters;
  readonly onRefused: (status: number) => void;
  readonly logger: Logger;
};

const FORWARDED = 'x-nightglow-forwarded-by';
const MAX_PAYLOAD = 256 * 1024 * 1024;
/** A replica's own connection (live view) that must not count as client activity. */
export const PASSIVE_HEADER = 'x-nightglow-passive';
const PATH = /^\/cdp\/([0-9A-Za-z-]{1,64})\/?$/;
const STATUS_TEXT: Readonly<Record<number, string>> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  502: 'Bad Gateway',
  508: 'Loop Detected',
};

function refuse(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  const auth = status === 401 ? 'WWW-Authenticate: Bearer realm="nightglow-cdp"\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${auth}Content-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

type Upgrade = { readonly req: IncomingMessage; readonly socket: Duplex; readonly head: Buffer };

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return url.searchParams.get('token') ?? undefined;
}

/** Creates the `httpUpgrade` hook of the broker's HTTP listener. */
export function createUpgradeHandler(deps: UpgradeDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const deny = (socket: Duplex, status: number, message: string): void => {
    deps.onRefused(status);
    refuse(socket, status, message);
  };

  const connect = (up: Upgrade, session: SessionRecord, token: string): void => {
    const { req, socket, head } = up;
    const owner = session.ownerId === deps.replicaId;
    const local = owner ? deps.localTarget(session) : undefined;
    if (owner && local === undefined) return deny(socket, 409, 'the session has no browser on this replica');
    if (!owner && req.headers[FORWARDED] !== undefined)
      return deny(socket, 508, 'forwarded to a replica that does not own the session');
    const url = local?.wsUrl ?? `ws://${session.ownerAddress}/cdp/${session.id}`;
    const passive = req.headers[PASSIVE_HEADER];
    const relayed = {
      authorization: `Bearer ${token}`,
      [FORWARDED]: deps.replicaId,
      ...(passive ? { [PASSIVE_HEADER]: '1' } : {}),
    };
    const headers = local?.headers ?? relayed;
    socket.on('error', () => socket.destroy()); // a client reset while the upstream opens
    const upstream = openUpstream({ url, headers, timeoutMs: 10_000 });
    socket.once('close', upstream.abort);
    upstream.done.then(
      (up) => {
        socket.off('close', upstream.abort);
        if (socket.destroyed) return void up.socket.destroy();
        if (!acceptClient(req, socket)) return void up.socket.destroy();
        (socket as Partial<Socket>).setNoDelay?.(true);
        (socket as Partial<Socket>).setTimeout?.(0);
        let unregister: () => void = () => undefined;
        const connection = bridgeSockets({
          client: socket,
          clientHead: head,
          upstream: up.socket,
          upstreamHead: up.head,
          confinement: local === undefined ? undefined : createConfinementState(local.scope),
          counters: deps.counters(session.pool),
          onClientFrame: owner && passive === undefined ? () => deps.activity.mark(session.id) : () => undefined,
          onClosed: () => unregister(),
          maxPayload: MAX_PAYLOAD,
        });
        unregister = deps.connections.add(session.id, connection);
        // A close that raced the handshake must still cut this connection.
        void deps.store.get(session.id).then((r) => {
          if (r?.state !== 'READY') connection.close(4000, 'session closed');
        });
      },
      (refusal: UpstreamRefusal) => {
        socket.off('close', upstream.abort);
        if (socket.destroyed) return;
        if (refusal.kind === 'status') {
          const status = STATUS_TEXT[refusal.status] !== undefined ? refusal.status : 502;
          return deny(socket, status, `upstream refused the connection (${refusal.status})`);
        }
        deps.logger.warn({ err: refusal.error, session_id: session.id, forwarded: !owner }, 'CDP upstream unreachable');
        deny(socket, 502, owner ? 'the browser is unreachable' : 'the owning broker is unreachable');
      },
    );
  };

  return (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://broker');
    const id = PATH.exec(url.pathname)?.[1];
    if (id === undefined) return deny(socket, 404, 'no such endpoint; CDP endpoints are /cdp/<session id>');
    const token = tokenOf(req, url);
    if (token === undefined || token === '') return deny(socket, 401, 'a session token is required');
    deps.store.get(id).then(
      (session) => {
        if (session === undefined) return deny(socket, 404, 'unknown session');
        if (!deps.tokens().verify(id, token)) return deny(socket, 403, 'wrong session token');
        if (session.state !== 'READY') return deny(socket, 409, `the session is ${session.state}`);
        connect({ req, socket, head }, session, token);
      },
      (e: unknown) => {
        deps.logger.error({ err: e, session_id: id }, 'CDP upgrade failed');
        deny(socket, 502, 'session lookup failed');
      },
    );
  };
}
