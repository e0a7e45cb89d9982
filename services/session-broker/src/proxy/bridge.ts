/**
 * Joins a client WebSocket and an upstream WebSocket (the browser, or the
 * owning replica) frame by frame: counts messages and bytes each way, marks
 * the session active, applies the confinement rules when given, and closes
 * each side when the other closes.
 */
import type { CounterChild } from '@nightglow/runtime';
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import { judgeBrowserFrame } from './browser-rules.js';
import { judgeClientFrame, judgeClientFrameFast } from './client-rules.js';
import type { ConfinementState } from './confinement-state.js';

/** Per-direction counters (cached children of the proxy metric families). */
export type BridgeCounters = {
  readonly clientMessages: CounterChild;
  readonly clientBytes: CounterChild;
  readonly browserMessages: CounterChild;
  readonly browserBytes: CounterChild;
};

/** Options of {@link bridgeSockets}. */
export type BridgeOptions = {
  readonly client: WebSocket;
  readonly upstream: WebSocket;
  /** Confinement rules; undefined passes every frame (a forwarded connection: the owner confines). */
  readonly confinement: ConfinementState | undefined;
  readonly counters: BridgeCounters;
  /** Called for every client frame (activity for the idle timer). */
  readonly onClientFrame: () => void;
  /** Called once when both sides are closed. */
  readonly onClosed: () => void;
};

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

const OPEN = 1;

/** Bridges the two sockets until either closes. */
export function bridgeSockets(o: BridgeOptions): void {
  const { client, upstream, confinement, counters } = o;
  const toUpstream = (frame: string | Buffer): void => {
    if (upstream.readyState === OPEN) upstream.send(frame, { binary: false });
  };
  const toClient = (frame: string | Buffer): void => {
    if (client.readyState !== OPEN) return;
    counters.browserMessages.inc();
    counters.browserBytes.inc(typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);
    client.send(frame, { binary: false });
  };
  client.on('message', (data) => {
    const frame = asBuffer(data);
    counters.clientMessages.inc();
    counters.clientBytes.inc(frame.length);
    o.onClientFrame();
    if (confinement === undefined) return toUpstream(frame);
    const verdict = judgeClientFrameFast(confinement, frame) ?? judgeClientFrame(confinement, frame.toString('utf8'));
    if (verdict.kind === 'reply') return toClient(verdict.text);
    toUpstream(verdict.text ?? frame);
  });
  upstream.on('message', (data) => {
    const frame = asBuffer(data);
    if (confinement === undefined || confinement.scope.isolation === 'BROWSER') return toClient(frame);
    const verdict = judgeBrowserFrame(confinement, frame);
    for (const command of verdict.upstream) toUpstream(command);
    if (verdict.forward !== null) toClient(verdict.forward);
  });
  let closed = 0;
  const closeOther = (other: WebSocket, code: number, reason: Buffer): void => {
    if (other.readyState === OPEN) {
      const valid =
        (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999);
      const safe = valid ? code : 1000;
      other.close(safe, reason.toString('utf8').slice(0, 120));
    } else if (other.readyState !== 3) other.terminate();
  };
  const onClose = (): void => {
    if (++closed === 2) o.onClosed();
  };
  client.on('close', (code, reason) => {
    closeOther(upstream, code, reason);
    onClose();
  });
  upstream.on('close', (code, reason) => {
    closeOther(client, code, reason);
    onClose();
  });
  client.on('error', () => client.terminate());
  upstream.on('error', () => upstream.terminate());
}
