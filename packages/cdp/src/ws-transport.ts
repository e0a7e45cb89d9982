import WebSocket, { type RawData } from 'ws';
import { CdpError } from './errors.js';
import type { CdpTransport } from './transport.js';

/** Options of {@link connectWebSocketTransport}. */
export type WebSocketTransportOptions = {
  /** Largest frame accepted, in bytes. Default 256 MiB: full-page screenshots arrive as one base64 frame. */
  readonly maxPayload?: number;
  /** How long the opening handshake may take, in ms. Default 10 000. */
  readonly handshakeTimeoutMs?: number;
  /** Extra handshake headers, e.g. the shared secret of a CDP gateway. */
  readonly headers?: Readonly<Record<string, string>>;
  /** After `close()`, how long to wait for the closing handshake before dropping the socket, in ms. Default 1 000. */
  readonly closeGraceMs?: number;
};

/** Default {@link WebSocketTransportOptions.maxPayload}: 256 MiB. */
export const DEFAULT_MAX_PAYLOAD = 256 * 1024 * 1024;

function toText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** Strips credentials and query from a URL so error messages never carry secrets. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/**
 * Opens a WebSocket to a CDP endpoint (`ws://host:port/devtools/browser/<id>`) and
 * resolves with a {@link CdpTransport} once it is open. No per-message deflate
 * (CDP is local traffic; compression only costs CPU). Rejects with a `CONNECT`
 * {@link CdpError} when the handshake fails or times out.
 */
export function connectWebSocketTransport(url: string, options: WebSocketTransportOptions = {}): Promise<CdpTransport> {
  const closeGraceMs = options.closeGraceMs ?? 1_000;
  return new Promise<CdpTransport>((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, {
        perMessageDeflate: false,
        maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
        handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
        followRedirects: false,
        ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
      });
    } catch (error) {
      reject(new CdpError({ code: 'CONNECT', message: `invalid CDP endpoint ${redact(url)}`, cause: error }));
      return;
    }
    let opened = false;
    const transport: CdpTransport = {
      send(message: string): void {
        if (ws.readyState !== WebSocket.OPEN) throw new Error('WebSocket is not open');
        ws.send(message);
      },
      close(): void {
        if (ws.readyState === WebSocket.CLOSED) return;
        ws.close();
        setTimeout(() => ws.terminate(), closeGraceMs).unref();
      },
    };
    ws.on('open', () => {
      opened = true;
      resolve(transport);
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) transport.onmessage?.(toText(data));
    });
    ws.on('error', (error) => {
      if (!opened) {
        const message = `cannot open CDP WebSocket ${redact(url)}: ${error.message}`;
        reject(new CdpError({ code: 'CONNECT', message, cause: error }));
      }
      // after open, an error is followed by 'close', which is what the owner hears
    });
    ws.on('close', () => {
      if (opened) transport.onclose?.();
      else reject(new CdpError({ code: 'CONNECT', message: `CDP WebSocket ${redact(url)} closed during handshake` }));
    });
  });
}
