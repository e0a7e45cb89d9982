/**
 * Joins a client WebSocket and an upstream WebSocket (the browser, or the
 * owning replica) frame by frame on the bare sockets: counts messages and
 * bytes each way, marks the session active, applies the confinement rules when
 * given, and closes each side when the other closes.
 *
 * Hot path: a frame the rules pass goes out as the very bytes that came in (a
 * client's frame keeps the client's mask, the browser's stays unmasked), so
 * the relay neither re-frames nor re-serialises it; only a client frame's
 * payload is unmasked into a copy for the rules to read. Frames the proxy
 * answers or rewrites itself, and fragmented messages, are framed anew.
 */
import type { CounterChild } from '@nightglow/runtime';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { judgeBrowserFrame } from './browser-rules.js';
import { judgeClientFrame, judgeClientFrameFast } from './client-rules.js';
import type { ConfinementState } from './confinement-state.js';
import type { Closable } from './connections.js';
import { buildFrame, closeFrame, createFrameReader, OP, payloadOf, type WsFrame } from './ws-frames.js';

/** Per-direction counters (cached children of the proxy metric families). */
export type BridgeCounters = {
  readonly clientMessages: CounterChild;
  readonly clientBytes: CounterChild;
  readonly browserMessages: CounterChild;
  readonly browserBytes: CounterChild;
};

/** Options of {@link bridgeSockets}. */
export type BridgeOptions = {
  /** The client's socket after the 101 answer, and bytes that came with its upgrade request. */
  readonly client: Duplex;
  readonly clientHead: Buffer;
  /** The upstream socket after its 101, and bytes that came with that answer. */
  readonly upstream: Socket;
  readonly upstreamHead: Buffer;
  /** Confinement rules; undefined passes every frame (a forwarded connection: the owner confines). */
  readonly confinement: ConfinementState | undefined;
  readonly counters: BridgeCounters;
  /** Called for every client message (activity for the idle timer). */
  readonly onClientFrame: () => void;
  /** Called once when both sides are closed. */
  readonly onClosed: () => void;
  /** Largest accepted frame payload, bytes. */
  readonly maxPayload: number;
};

/** Buffers written to one socket during one chunk, sent together (one writev) at the end of it. */
function createOutbox(socket: Duplex): { add(b: Buffer): void; flush(): void } {
  let pending: Buffer[] = [];
  return {
    add: (b) => void pending.push(b),
    flush() {
      if (pending.length === 0 || socket.destroyed) return void (pending = []);
      if (pending.length === 1) socket.write(pending[0]);
      else {
        socket.cork();
        for (const b of pending) socket.write(b);
        socket.uncork();
      }
      pending = [];
    },
  };
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Bridges the two sockets until either closes; the result cuts the connection (client gets `code`). */
export function bridgeSockets(o: BridgeOptions): Closable {
  const { client, upstream, confinement, counters } = o;
  const toClient = createOutbox(client);
  const toUpstream = createOutbox(upstream);
  let ending = false;
  /** Whether a close frame already went to the client / upstream (a side gets one at most). */
  const closeSent = { client: false, upstream: false };
  const end = (clientClose: Buffer | undefined, upstreamClose: Buffer | undefined): void => {
    if (ending) return;
    ending = true;
    if (clientClose !== undefined && !closeSent.client && !client.destroyed) client.write(clientClose);
    if (upstreamClose !== undefined && !closeSent.upstream && !upstream.destroyed) upstream.write(upstreamClose);
    client.end();
    upstream.end();
    // A peer that never closes its side is cut after a grace period.
    setTimeout(() => (client.destroy(), upstream.destroy()), 2_000).unref();
  };

  const clientData = (payload: Buffer, raw: Buffer | undefined): void => {
    counters.clientMessages.inc();
    counters.clientBytes.inc(payload.length);
    o.onClientFrame();
    if (confinement === undefined) return toUpstream.add(raw ?? buildFrame(OP.TEXT, payload, true));
    const verdict = judgeClientFrameFast(confinement, payload) ?? judgeClientFrame(confinement, payload.toString());
    if (verdict.kind === 'reply') {
      const answer = text(verdict.text);
      counters.browserMessages.inc();
      counters.browserBytes.inc(answer.length);
      return toClient.add(buildFrame(OP.TEXT, answer, false));
    }
    if (verdict.text !== undefined) return toUpstream.add(buildFrame(OP.TEXT, text(verdict.text), true));
    toUpstream.add(raw ?? buildFrame(OP.TEXT, payload, true));
  };

  const browserData = (payload: Buffer, raw: Buffer | undefined): void => {
    let out: Buffer | undefined = raw;
    if (confinement !== undefined && confinement.scope.isolation === 'CONTEXT') {
      const verdict = judgeBrowserFrame(confinement, payload);
      for (const command of verdict.upstream) toUpstream.add(buildFrame(OP.TEXT, text(command), true));
      if (verdict.forward === null) return;
      if (verdict.forward !== payload) {
        payload = typeof verdict.forward === 'string' ? text(verdict.forward) : verdict.forward;
        out = undefined;
      }
    }
    counters.browserMessages.inc();
    counters.browserBytes.inc(payload.length);
    toClient.add(out ?? buildFrame(OP.TEXT, payload, false));
  };

  /** Routes one side's frames: control frames pass as they are; messages go to `onMessage`. */
  const route = (
    onMessage: (payload: Buffer, raw: Buffer | undefined) => void,
    other: { add(b: Buffer): void },
    otherSide: keyof typeof closeSent,
  ) => {
    let fragments: Buffer[] | undefined;
    return (f: WsFrame): void => {
      if (ending || closeSent[otherSide]) return;
      if (f.opcode === OP.CLOSE) closeSent[otherSide] = true;
      if (f.opcode >= OP.CLOSE) return other.add(f.raw);
      if (f.fin && f.opcode !== OP.CONTINUATION && fragments === undefined) return onMessage(payloadOf(f), f.raw);
      (fragments ??= []).push(payloadOf(f));
      if (!f.fin) return;
      const whole = Buffer.concat(fragments);
      fragments = undefined;
      onMessage(whole, undefined);
    };
  };

  const fromClient = createFrameReader(route(clientData, toUpstream, 'upstream'), o.maxPayload);
  const fromUpstream = createFrameReader(route(browserData, toClient, 'client'), o.maxPayload);
  const feed = (reader: ReturnType<typeof createFrameReader>, chunk: Buffer, toPeer: boolean): void => {
    const problem = reader.push(chunk);
    toUpstream.flush();
    toClient.flush();
    if (problem === undefined) return;
    const close = closeFrame(problem.code, problem.reason, false);
    if (toPeer) end(close, closeFrame(1001, 'the client broke the protocol', true));
    else end(closeFrame(1011, 'the browser connection broke the protocol', false), undefined);
  };
  client.on('data', (chunk: Buffer) => feed(fromClient, chunk, true));
  upstream.on('data', (chunk: Buffer) => feed(fromUpstream, chunk, false));

  let closed = 0;
  const onClose = (): void => {
    if (++closed === 2) o.onClosed();
  };
  client.once('close', () => {
    end(undefined, closeFrame(1001, 'the client went away', true));
    onClose();
  });
  upstream.once('close', () => {
    end(closeFrame(1001, 'the browser connection closed', false), undefined);
    onClose();
  });
  client.on('error', () => client.destroy());
  upstream.on('error', () => upstream.destroy());
  client.on('end', () => end(undefined, undefined));
  upstream.on('end', () => end(undefined, undefined));

  if (o.clientHead.length > 0) feed(fromClient, o.clientHead, true);
  if (o.upstreamHead.length > 0) feed(fromUpstream, o.upstreamHead, false);
  return {
    close(code, reason) {
      end(closeFrame(code, reason, false), closeFrame(code, reason, true));
    },
  };
}
