import { describe, expect, it } from 'vitest';
import { Code, type ConnectError } from '@connectrpc/connect';
import { BadRequestSchema } from '@nightglow/contracts/google/rpc';
import { invalid, missing, RecordStoreError } from '../errors.js';
import { toClientError } from './error-mapping.js';

const code = (e: unknown) => (toClientError(e) as ConnectError).code;

describe('error mapping', () => {
  it('maps domain codes to gRPC codes with details', () => {
    const bad = toClientError(invalid([{ field: 'events[0].type', description: 'is required' }])) as ConnectError;
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe('events[0].type');
    expect(code(missing('TaskRecord', 'x'))).toBe(Code.NotFound);
    expect(code(new RecordStoreError('UNAUTHENTICATED', 'no key'))).toBe(Code.Unauthenticated);
    expect(code(new RecordStoreError('PERMISSION_DENIED', 'no'))).toBe(Code.PermissionDenied);
    expect(code(new RecordStoreError('ALREADY_EXISTS', 'dup'))).toBe(Code.AlreadyExists);
    expect(code(new RecordStoreError('FAILED_PRECONDITION', 'resolved'))).toBe(Code.FailedPrecondition);
    expect(code(new RecordStoreError('RESOURCE_EXHAUSTED', 'big'))).toBe(Code.ResourceExhausted);
    expect(code(Object.assign(new Error('conn'), { code: 'ECONNREFUSED' }))).toBe(Code.Unavailable);
  });

  it('passes an unexpected error through untouched for the runtime to answer INTERNAL', () => {
    const e = new Error('SELECT secret FROM somewhere failed');
    expect(toClientError(e)).toBe(e);
    expect(new RecordStoreError('UNAVAILABLE', 'x').retryable).toBe(true);
    expect(new RecordStoreError('INVALID_ARGUMENT', 'x').retryable).toBe(false);
  });
});
