/**
 * The wrapper every RecordStore handler goes through: authenticate the
 * `authorization` header, check the RPC against the role table, run the
 * handler, and map domain errors to client errors. Nothing reaches a handler
 * unauthenticated or unauthorized.
 */
import type { HandlerContext } from '@connectrpc/connect';
import type { Authenticator } from '../auth/authenticator.js';
import { authorize, type Principal } from '../auth/roles.js';
import { toClientError } from './error-mapping.js';

/** Wraps handlers with auth and error mapping. */
export type Guard = {
  unary<I, O>(
    method: string,
    fn: (req: I, who: Principal, ctx: HandlerContext) => Promise<O>,
  ): (req: I, ctx: HandlerContext) => Promise<O>;
  stream<I, O>(
    method: string,
    fn: (req: I, who: Principal, ctx: HandlerContext) => AsyncIterable<O>,
  ): (req: I, ctx: HandlerContext) => AsyncIterable<O>;
};

/** Creates the guard over an authenticator. */
export function createGuard(auth: Authenticator): Guard {
  const admit = async (method: string, ctx: HandlerContext): Promise<Principal> => {
    const who = await auth.authenticate(ctx.requestHeader.get('authorization'));
    authorize(who, method);
    return who;
  };
  return {
    unary: (method, fn) => async (req, ctx) => {
      try {
        return await fn(req, await admit(method, ctx), ctx);
      } catch (e) {
        throw toClientError(e);
      }
    },
    stream: (method, fn) =>
      async function* (req, ctx) {
        try {
          yield* fn(req, await admit(method, ctx), ctx);
        } catch (e) {
          throw toClientError(e);
        }
      },
  };
}
