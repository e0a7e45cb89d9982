/**
 * The sample EchoService: the smallest real service on the runtime, used by the
 * runtime's own tests (every protocol, errors, deadlines, drain, tracing across
 * two hops) and by the serving benchmark.
 */
import type { Client, ServiceImpl } from '@connectrpc/connect';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { durationMs } from '@bufbuild/protobuf/wkt';
import { type EchoService, FailureMode } from '@nightglow/contracts/sample/v1';
import { invalidArgument, notFound } from '../errors.js';
import { callKey, callOptions, type CallContext } from '../serving/call-context.js';
import { systemClock, type Clock } from '../clock.js';

/** Options of {@link createEchoService}. */
export type EchoServiceOptions = {
  /** When set, Echo forwards the request to this downstream EchoService and returns its answer. */
  readonly forward?: Client<typeof EchoService>;
  readonly clock?: Clock;
};

function traceIdOf(call: CallContext | undefined): string {
  const sc = call && trace.getSpan(call.otel)?.spanContext();
  return sc && isSpanContextValid(sc) ? sc.traceId : '';
}

/** Creates the EchoService implementation. */
export function createEchoService(opts: EchoServiceOptions = {}): ServiceImpl<typeof EchoService> {
  const clock = opts.clock ?? systemClock;
  return {
    async echo(req, ctx) {
      if (req.delay) await clock.sleep(durationMs(req.delay), ctx.signal);
      switch (req.fail) {
        case FailureMode.UNEXPECTED:
          throw new Error('sample failure with internal detail: /var/lib/secret at 10.0.0.7');
        case FailureMode.INVALID_ARGUMENT:
          throw invalidArgument([{ field: 'message', description: 'was asked to be refused' }]);
        case FailureMode.NOT_FOUND:
          throw notFound('echo', req.message);
        case FailureMode.UNSPECIFIED:
          break;
      }
      if (opts.forward) return opts.forward.echo({ message: req.message, payload: req.payload }, callOptions(ctx));
      return {
        message: req.message,
        payload: req.payload,
        traceId: traceIdOf(ctx.values.get(callKey)),
        requestId: ctx.values.get(callKey)?.requestId ?? '',
        deadlineMs: BigInt(ctx.timeoutMs() ?? 0),
      };
    },
    async *echoStream(req, ctx) {
      const pause = req.interval ? durationMs(req.interval) : 0;
      for (let i = 1; req.count === 0 || i <= req.count; i++) {
        yield { message: req.message, sequence: i };
        if (pause > 0) await clock.sleep(pause, ctx.signal);
      }
    },
  };
}
