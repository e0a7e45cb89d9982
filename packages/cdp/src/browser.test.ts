import { describe, expect, it } from 'vitest';
import { connectBrowser } from './browser.js';

describe('connectBrowser: endpoint checks before any I/O', () => {
  it('refuses an endpoint that is not a URL, or not ws(s):// or http(s)://, with INVALID_ARGUMENT', async () => {
    await expect(connectBrowser('localhost:9222')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(connectBrowser('not a url')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(connectBrowser('ftp://127.0.0.1:9222/')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'CDP endpoint must be ws(s):// or http(s)://, got ftp:',
    });
  });
});
