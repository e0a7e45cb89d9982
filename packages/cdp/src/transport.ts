/**
 * The transport port: how CDP text frames reach a browser. The shape is
 * puppeteer's `ConnectionTransport`, so a transport from here can be handed to
 * `puppeteer.connect({ transport })` and vice versa.
 */

/**
 * A bidirectional channel of CDP JSON texts. `send` throws when the channel is
 * closed; `onclose` fires once, whichever side closed it; nothing is delivered
 * after it. The owner (a connection) installs `onmessage` and `onclose`.
 */
export interface CdpTransport {
  /** Sends one JSON text. Throws if the transport is closed. */
  send(message: string): void;
  /** Starts closing; `onclose` follows (asynchronously). Idempotent. */
  close(): void;
  /** Called for every text received, in order. */
  onmessage?: (message: string) => void;
  /** Called once when the transport is closed by either side. */
  onclose?: () => void;
}

/** Two connected in-memory transports: what `client` sends reaches `server.onmessage`, and back. */
export type MemoryTransportPair = {
  readonly client: CdpTransport;
  readonly server: CdpTransport;
};

type End = CdpTransport & { peer?: End };

/**
 * An in-memory pair for unit tests. Delivery is asynchronous (a microtask per
 * message, in order) like a real socket, so handlers never re-enter `send`.
 * Closing either end closes both and fires each `onclose` once.
 */
export function createMemoryTransportPair(): MemoryTransportPair {
  let closed = false;
  const ends: End[] = [];
  const closeBoth = (): void => {
    if (closed) return;
    closed = true;
    for (const end of ends) queueMicrotask(() => end.onclose?.());
  };
  const makeEnd = (): End => {
    const end: End = {
      send(message: string): void {
        if (closed) throw new Error('memory transport is closed');
        queueMicrotask(() => {
          if (!closed) end.peer?.onmessage?.(message);
        });
      },
      close: closeBoth,
    };
    ends.push(end);
    return end;
  };
  const client = makeEnd();
  const server = makeEnd();
  client.peer = server;
  server.peer = client;
  return { client, server };
}
