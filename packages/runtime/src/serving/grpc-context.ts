/**
 * The HandlerContext of a native gRPC call. Built per call on the hot path, so
 * it is lazy: the AbortSignal (and its deadline timer) only exist once a
 * handler asks for `signal`, and request headers are converted from grpc-js
 * metadata on first read. Semantics match connect's context: the signal aborts
 * at the deadline (DEADLINE_EXCEEDED), on client cancel (CANCELED) and when
 * the call completes.
 */
import type * as grpc from '@grpc/grpc-js';
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextValues, type HandlerContext } from '@connectrpc/connect';

/** A handler context that the adapter completes when the call ends. */
export type GrpcHandlerContext = HandlerContext & {
  /** Ends the call's signal (when one was created) and its deadline timer. */
  complete(): void;
  /** Response headers set by the handler, or undefined when it set none. */
  headersToSend(): Headers | undefined;
  /** Response trailers set by the handler, or undefined when it set none. */
  trailersToSend(): Headers | undefined;
};

const COMPLETED = new ConnectError('the call completed', Code.Canceled);
const CANCELLED = new ConnectError('call cancelled by the client', Code.Canceled);
const DEADLINE = new ConnectError('the operation timed out', Code.DeadlineExceeded);

function metadataToHeaders(md: grpc.Metadata): Headers {
  const h = new Headers();
  for (const [key, values] of Object.entries(md.getMap())) {
    h.append(key, typeof values === 'string' ? values : Buffer.from(values).toString('base64'));
  }
  return h;
}

function nonEmpty(h: Headers | undefined): Headers | undefined {
  if (h) for (const _ of h.keys()) return h;
  return undefined;
}

/** Creates the lazy context of one grpc-js call. */
export function createGrpcHandlerContext(
  service: DescService,
  method: DescMethod,
  call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
): GrpcHandlerContext {
  const rawDeadline = call.getDeadline();
  const deadlineAt = rawDeadline instanceof Date ? rawDeadline.getTime() : rawDeadline;
  const hasDeadline = Number.isFinite(deadlineAt);
  let controller: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ended: ConnectError | undefined;
  let requestHeader: Headers | undefined;
  let responseHeader: Headers | undefined;
  let responseTrailer: Headers | undefined;
  const end = (reason: ConnectError): void => {
    if (ended) return;
    ended = reason;
    if (timer) clearTimeout(timer);
    controller?.abort(reason);
  };
  call.once('cancelled', () => end(CANCELLED));
  return {
    service,
    method,
    protocolName: 'grpc',
    requestMethod: 'POST',
    url: `/${service.typeName}/${method.name}`,
    values: createContextValues(),
    timeoutMs: () => (hasDeadline ? deadlineAt - Date.now() : undefined),
    get signal(): AbortSignal {
      if (!controller) {
        controller = new AbortController();
        const left = deadlineAt - Date.now();
        if (ended) controller.abort(ended);
        else if (hasDeadline && left <= 0) end(DEADLINE);
        else if (hasDeadline) timer = setTimeout(() => end(DEADLINE), left).unref();
      }
      return controller.signal;
    },
    get requestHeader(): Headers {
      return (requestHeader ??= metadataToHeaders(call.metadata));
    },
    get responseHeader(): Headers {
      return (responseHeader ??= new Headers());
    },
    get responseTrailer(): Headers {
      return (responseTrailer ??= new Headers());
    },
    complete: () => end(COMPLETED),
    headersToSend: () => nonEmpty(responseHeader),
    trailersToSend: () => nonEmpty(responseTrailer),
  };
}
