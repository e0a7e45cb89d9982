import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { BadRequestSchema } from '@nightglow/contracts/google/rpc';
import { CliError, ExitCode, RpcFailure, exitCodeFor, fromRpcFailure, networkReason, toCliError } from './errors.js';

const refused = () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  return new ConnectError('connect ECONNREFUSED 127.0.0.1:9', Code.Unavailable, undefined, undefined, cause);
};

describe('exit codes', () => {
  it('maps server answers to documented codes', () => {
    expect(exitCodeFor(Code.InvalidArgument)).toBe(2);
    expect(exitCodeFor(Code.OutOfRange)).toBe(2);
    expect(exitCodeFor(Code.NotFound)).toBe(4);
    expect(exitCodeFor(Code.Unauthenticated)).toBe(6);
    expect(exitCodeFor(Code.PermissionDenied)).toBe(6);
    expect(exitCodeFor(Code.Internal)).toBe(5);
    expect(exitCodeFor(Code.Unavailable)).toBe(5);
    expect(exitCodeFor(Code.ResourceExhausted)).toBe(5);
  });

  it('an unreachable endpoint is exit 3 with one line naming the address', () => {
    const e = fromRpcFailure(new RpcFailure('executor', 'http://127.0.0.1:9', refused()));
    expect(e.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(e.message).toBe('cannot reach the task executor at http://127.0.0.1:9 (connection refused)');
    expect(e.details).toEqual([]);
  });

  it('UNAVAILABLE answered by the server (not a network error) is a server error', () => {
    const e = new ConnectError('no browser could be started', Code.Unavailable);
    expect(networkReason(e)).toBeUndefined();
    const c = fromRpcFailure(new RpcFailure('broker', 'http://b', e));
    expect([c.exitCode, c.message]).toEqual([
      5,
      'the session broker at http://b: unavailable: no browser could be started',
    ]);
  });

  it('lists BadRequest field violations and hints at the API key', () => {
    const bad = new ConnectError('invalid session options', Code.InvalidArgument, undefined, [
      {
        desc: BadRequestSchema,
        value: create(BadRequestSchema, {
          fieldViolations: [{ field: 'options.ttl', description: 'must be positive' }],
        }),
      },
    ]);
    const c = fromRpcFailure(new RpcFailure('broker', 'http://b', bad));
    expect([c.exitCode, c.details]).toEqual([2, ['options.ttl: must be positive']]);
    const auth = fromRpcFailure(
      new RpcFailure('records', 'http://r', new ConnectError('no key', Code.Unauthenticated)),
    );
    expect(auth.exitCode).toBe(6);
    expect(auth.details.join('\n')).toMatch(/--api-key or set NIGHTGLOW_API_KEY/);
  });

  it('normalizes anything else without a stack', () => {
    expect(toCliError(new Error('boom'))).toMatchObject({ message: 'boom', exitCode: 5 });
    const own = new CliError('x', ExitCode.TASK_UNSUCCESSFUL);
    expect(toCliError(own)).toBe(own);
    expect(toCliError(new ConnectError('gone', Code.NotFound)).exitCode).toBe(4);
  });
});
