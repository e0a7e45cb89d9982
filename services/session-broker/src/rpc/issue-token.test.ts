import { Code, ConnectError } from '@connectrpc/connect';
import { ConfigError } from '@nightglow/runtime';
import { BadRequestSchema, ErrorInfoSchema } from '@nightglow/contracts/google/rpc';
import { SessionState } from '@nightglow/contracts/broker/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { flushAsync, startUnitBroker, type UnitBroker } from '../test-support/unit-broker.js';
import { CALLER_KEY_HEADER } from './trusted-callers.js';

const KEY = 'executor-caller-key-0123456789';
const OTHER = 'operator-caller-key-0123456789';
let ub: UnitBroker | undefined;
afterEach(async () => {
  await ub?.close();
  ub = undefined;
});

const start = (env: Record<string, string> = { TRUSTED_CALLER_KEYS: `${OTHER}, ${KEY}` }) =>
  startUnitBroker({ pools: [{ name: 'default', local: { prewarm: 0 } }] }, env);
const as = (key: string) => ({ headers: { [CALLER_KEY_HEADER]: key } });
const fail = async (p: Promise<unknown>): Promise<ConnectError> => {
  const e = await p.then(
    () => new Error('expected an error'),
    (x: unknown) => x,
  );
  if (!(e instanceof ConnectError)) throw e;
  return e;
};

describe('IssueSessionToken', () => {
  it('gives a trusted caller the token CreateSession returned', async () => {
    ub = await start();
    const created = await ub.client.createSession({});
    const id = created.session?.id ?? '';
    const res = await ub.client.issueSessionToken({ sessionId: id }, as(KEY));
    expect(res.token).toBe(created.token);
    expect(res.token).toBe(ub.tokens.issue(id));
    expect(res.session?.state).toBe(SessionState.READY);
    expect((await ub.client.issueSessionToken({ sessionId: id }, as(OTHER))).token).toBe(created.token);
  });

  it('refuses callers without a key (UNAUTHENTICATED) or with an untrusted one (PERMISSION_DENIED)', async () => {
    ub = await start();
    const id = (await ub.client.createSession({})).session?.id ?? '';
    const none = await fail(ub.client.issueSessionToken({ sessionId: id }));
    expect(none.code).toBe(Code.Unauthenticated);
    expect(none.rawMessage).toContain(CALLER_KEY_HEADER);
    expect((await fail(ub.client.issueSessionToken({ sessionId: id }, as('  ')))).code).toBe(Code.Unauthenticated);
    const wrong = await fail(ub.client.issueSessionToken({ sessionId: id }, as(`${KEY}x`)));
    expect(wrong.code).toBe(Code.PermissionDenied);
    expect(wrong.rawMessage).not.toContain(KEY);
    // The credential is checked before the session: an untrusted caller learns nothing about ids.
    expect((await fail(ub.client.issueSessionToken({ sessionId: 'nope' }, as('x'.repeat(20))))).code).toBe(
      Code.PermissionDenied,
    );
  });

  it('refuses every caller when the broker trusts none', async () => {
    ub = await start({});
    const id = (await ub.client.createSession({})).session?.id ?? '';
    const e = await fail(ub.client.issueSessionToken({ sessionId: id }, as(KEY)));
    expect(e.code).toBe(Code.PermissionDenied);
    expect(e.rawMessage).toContain('TRUSTED_CALLER_KEYS');
  });

  it('answers INVALID_ARGUMENT, NOT_FOUND and FAILED_PRECONDITION for bad sessions', async () => {
    ub = await start();
    const empty = await fail(ub.client.issueSessionToken({ sessionId: '' }, as(KEY)));
    expect(empty.code).toBe(Code.InvalidArgument);
    expect(empty.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual(['session_id']);
    expect((await fail(ub.client.issueSessionToken({ sessionId: 'nope' }, as(KEY)))).code).toBe(Code.NotFound);
    const id = (await ub.client.createSession({})).session?.id ?? '';
    await ub.client.deleteSession({ sessionId: id });
    await flushAsync();
    const closed = await fail(ub.client.issueSessionToken({ sessionId: id }, as(KEY)));
    expect(closed.code).toBe(Code.FailedPrecondition);
    expect(closed.findDetails(ErrorInfoSchema)[0]?.reason).toBe('SESSION_CLOSED');
  });

  it('refuses short or empty keys in TRUSTED_CALLER_KEYS, naming the variable', () => {
    const env = { LOCAL_DATA_DIR: '/nonexistent' };
    expect(loadConfig({ ...env, TRUSTED_CALLER_KEYS: `${KEY},${OTHER}` }).trustedCallerKeys).toEqual([KEY, OTHER]);
    expect(loadConfig(env).trustedCallerKeys).toEqual([]);
    expect(() => loadConfig({ ...env, TRUSTED_CALLER_KEYS: `${KEY},short` })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, TRUSTED_CALLER_KEYS: `${KEY},` })).toThrow(/TRUSTED_CALLER_KEYS: key 2/);
  });
});
