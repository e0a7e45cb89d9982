/**
 * The HandlerContext of a native gRPC call. Built per call on the hot path, so
 * it is a class (cheap to allocate, no per-call closures) and lazy: the
 * AbortSignal, its deadline timer and the client-cancel listener only exist
 * once a handler asks for `signal`, and request headers are converted from
 * grpc-js metadata on first read. Semantics match connect's context: the
 * signal aborts at the deadline (DEADLINE_EXCEEDED), on client cancel
 * (CANCELED) and when the call completes.
 */
import type * as grpc from '@grpc/grpc-js';
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextValues, type ContextValues, type HandlerContext } from '@connectrpc/connect';
import { LiteHeaders } from './lite-headers.js';

const COMPLETED = new ConnectError('the call completed', Code.Canceled);
const CANCELLED = new ConnectError('call cancelled by the client', Code.Canceled);
const DEADLINE = new ConnectError('the operation timed out', Code.DeadlineExceeded);

type GrpcCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

function metadataToHeaders(md: grpc.Metadata): LiteHeaders {
  const h = new LiteHeaders();
  for (const [key, values] of Object.entries(md.getMap())) {
    h.append(key, typeof values === 'string' ? values : Buffer.from(values).toString('base64'));
  }
  return h;
}

/** The lazy context of one grpc-js call; the adapter calls `complete()` when the call ends. */
export class GrpcHandlerContext implements HandlerContext {
  readonly protocolName = 'grpc';
  readonly requestMethod = 'POST';
  readonly values: ContextValues = createContextValues();
  private readonly deadlineAt: number;
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ended: ConnectError | undefined;
  private reqHeaders: LiteHeaders | undefined;
  private resHeaders: LiteHeaders | undefined;
  private resTrailers: LiteHeaders | undefined;

  constructor(
    readonly service: DescService,
    readonly method: DescMethod,
    private readonly call: GrpcCall,
  ) {
    const d = call.getDeadline();
    this.deadlineAt = d instanceof Date ? d.getTime() : d;
  }

  /** `/package.Service/Method`. */
  get url(): string {
    return `/${this.service.typeName}/${this.method.name}`;
  }

  timeoutMs(): number | undefined {
    return Number.isFinite(this.deadlineAt) ? this.deadlineAt - Date.now() : undefined;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      const left = this.deadlineAt - Date.now();
      if (this.ended) this.controller.abort(this.ended);
      else if (this.call.cancelled) this.end(CANCELLED);
      else {
        this.call.once('cancelled', () => this.end(CANCELLED));
        if (left <= 0) this.end(DEADLINE);
        else if (Number.isFinite(left)) this.timer = setTimeout(() => this.end(DEADLINE), left).unref();
      }
    }
    return this.controller.signal;
  }

  get requestHeader(): Headers {
    return (this.reqHeaders ??= metadataToHeaders(this.call.metadata));
  }

  get responseHeader(): Headers {
    return (this.resHeaders ??= new LiteHeaders());
  }

  get responseTrailer(): Headers {
    return (this.resTrailers ??= new LiteHeaders());
  }

  /** Ends the call's signal (when one was created) and its deadline timer. */
  complete(): void {
    this.end(COMPLETED);
  }

  /** Response headers set by the handler, or undefined when it set none. */
  headersToSend(): Headers | undefined {
    return this.resHeaders && !this.resHeaders.isEmpty() ? this.resHeaders : undefined;
  }

  /** Response trailers set by the handler, or undefined when it set none. */
  trailersToSend(): Headers | undefined {
    return this.resTrailers && !this.resTrailers.isEmpty() ? this.resTrailers : undefined;
  }

  private end(reason: ConnectError): void {
    if (this.ended) return;
    this.ended = reason;
    if (this.timer) clearTimeout(this.timer);
    this.controller?.abort(reason);
  }
}
