/**
 * StreamScreencast: a live view of one of a session's pages. On the owning
 * replica the broker's own browser connection is used; any other replica
 * opens a passive CDP connection through the owner's proxy (confined to the
 * session like any client, but not counted as activity). The stream ends when
 * the client cancels, the page goes away, or the session leaves READY.
 */
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { connectBrowser, type CdpConnection } from '@nightglow/cdp';
import {
  ScreencastFrameMetadataSchema,
  StreamScreencastResponseSchema,
  type StreamScreencastRequest,
  type StreamScreencastResponse,
} from '@nightglow/contracts/broker/v1';
import type { Clock } from '@nightglow/runtime';
import { BrokerError, invalidFields, notFoundError, type BrokerFieldViolation } from '../errors.js';
import type { SessionRecord } from '../sessions/record.js';
import { PASSIVE_HEADER } from '../proxy/upgrade-handler.js';
import type { SessionStore } from '../store/port.js';
import { pumpFrames } from './frame-pump.js';

/** The owner's view of a session's browser, when this replica owns it. */
export type LocalBrowserView = {
  readonly connection: CdpConnection;
  /** Pages of the session, most recently active first (target ids). */
  readonly pages: () => readonly string[];
};

/** Dependencies of {@link streamScreencast}. */
export type ScreencastDeps = {
  readonly store: SessionStore;
  readonly clock: Clock;
  readonly replicaId: string;
  readonly token: (sessionId: string) => string;
  readonly local: (record: SessionRecord) => LocalBrowserView | undefined;
};

function checkRequest(req: StreamScreencastRequest): void {
  const v: BrokerFieldViolation[] = [];
  if (req.sessionId === '') v.push({ field: 'session_id', description: 'is required' });
  if (req.maxFps > 30) v.push({ field: 'max_fps', description: 'must be at most 30' });
  if (req.quality > 100) v.push({ field: 'quality', description: 'must be 1..100' });
  if (v.length > 0) throw invalidFields(v);
}

async function openView(deps: ScreencastDeps, r: SessionRecord): Promise<{ view: LocalBrowserView; own: boolean }> {
  const local = deps.local(r);
  if (local !== undefined) return { view: local, own: false };
  const connection = await connectBrowser(`ws://${r.ownerAddress}/cdp/${r.id}`, {
    headers: {
      authorization: `Bearer ${deps.token(r.id)}`,
      [PASSIVE_HEADER]: '1',
      'x-nightglow-forwarded-by': deps.replicaId,
    },
  });
  const { targetInfos } = await connection.send('Target.getTargets');
  const pages = targetInfos.filter((t) => t.type === 'page').map((t) => t.targetId);
  const ordered = [r.pageTargetId, ...pages.filter((p) => p !== r.pageTargetId)].filter((p) => pages.includes(p));
  return { view: { connection, pages: () => ordered }, own: true };
}

/** Streams frames of the requested page of a READY session. */
export async function* streamScreencast(
  deps: ScreencastDeps,
  req: StreamScreencastRequest,
  signal: AbortSignal,
): AsyncGenerator<StreamScreencastResponse> {
  checkRequest(req);
  const r = await deps.store.get(req.sessionId);
  if (r === undefined) throw notFoundError('session', req.sessionId);
  if (r.state !== 'READY') {
    throw new BrokerError('FAILED_PRECONDITION', `session ${r.id} is ${r.state}, not READY`, {
      reason: 'SESSION_NOT_READY',
    });
  }
  const { view, own } = await openView(deps, r);
  const stop = new AbortController();
  const unsubscribe = deps.store.subscribe((c) => {
    if (c.session.id === r.id && c.session.state !== 'READY') stop.abort();
  });
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort);
  try {
    const pages = view.pages();
    const targetId = req.targetId === '' ? pages[0] : pages.includes(req.targetId) ? req.targetId : undefined;
    if (targetId === undefined) {
      throw req.targetId === ''
        ? new BrokerError('FAILED_PRECONDITION', 'the session has no page')
        : notFoundError('target', req.targetId);
    }
    const { sessionId } = await view.connection.send('Target.attachToTarget', { targetId, flatten: true });
    let sequence = 0n;
    let page = { url: '', title: '', at: -Infinity };
    const frames = pumpFrames({
      connection: view.connection,
      sessionId,
      maxFps: req.maxFps === 0 ? 5 : req.maxFps,
      quality: req.quality === 0 ? 60 : req.quality,
      maxWidth: req.maxWidth === 0 ? r.effective.viewport.width : req.maxWidth,
      maxHeight: req.maxHeight === 0 ? r.effective.viewport.height : req.maxHeight,
      clock: deps.clock,
      signal: stop.signal,
    });
    try {
      for await (const f of frames) {
        if (deps.clock.now() - page.at > 1000) {
          const { targetInfo } = await view.connection.send('Target.getTargetInfo', { targetId });
          const info = targetInfo as { url?: string; title?: string };
          page = { url: info.url ?? '', title: info.title ?? '', at: deps.clock.now() };
        }
        yield create(StreamScreencastResponseSchema, {
          data: Buffer.from(f.data, 'base64'),
          sequence: ++sequence,
          time: timestampFromMs(
            f.metadata.timestamp !== undefined ? Math.round(f.metadata.timestamp * 1000) : deps.clock.now(),
          ),
          metadata: create(ScreencastFrameMetadataSchema, f.metadata),
          page: { url: page.url, title: page.title },
          targetId,
        });
      }
    } finally {
      await view.connection.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    unsubscribe();
    if (own) await view.connection.close();
  }
}
