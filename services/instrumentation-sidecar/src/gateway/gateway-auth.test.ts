import { describe, expect, it } from 'vitest';
import { createSecretCheck, forwardHeaders, presentedSecret, SECRET_HEADER, withoutToken } from './gateway-auth.js';

describe('gateway auth', () => {
  it('accepts only the exact secret, from header, bearer or token', () => {
    const check = createSecretCheck('s3cret-s3cret-s3cret');
    const url = new URL('http://g/json/version?token=s3cret-s3cret-s3cret');
    expect(check(presentedSecret({ [SECRET_HEADER]: 's3cret-s3cret-s3cret' }, new URL('http://g/')))).toBe(true);
    expect(check(presentedSecret({ authorization: 'Bearer s3cret-s3cret-s3cret' }, new URL('http://g/')))).toBe(true);
    expect(check(presentedSecret({}, url))).toBe(true);
    expect(check(presentedSecret({}, new URL('http://g/')))).toBe(false);
    expect(check('s3cret-s3cret-s3cre')).toBe(false);
    expect(check('s3cret-s3cret-s3cret ')).toBe(false);
    expect(() => createSecretCheck('')).toThrow();
  });

  it('never forwards the credential, the Origin or the client Host; strips the token', () => {
    const lines = forwardHeaders(
      {
        host: 'pod:9223',
        origin: 'http://evil',
        authorization: 'Bearer x',
        [SECRET_HEADER]: 'x',
        upgrade: 'websocket',
        'sec-websocket-key': 'k',
      },
      '127.0.0.1:9222',
    );
    expect(lines).toEqual(['Host: 127.0.0.1:9222', 'upgrade: websocket', 'sec-websocket-key: k']);
    expect(withoutToken(new URL('http://g/devtools/browser/x?token=t&a=1'))).toBe('/devtools/browser/x?a=1');
  });
});
