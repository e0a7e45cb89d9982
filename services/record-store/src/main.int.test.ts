import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { expectServingProcess, runServiceExpectingFailure } from '@nightglow/runtime/testing';
import { tools } from '@nightglow/testenv';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ng-records-'));

describe('record-store process', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves health on embedded PGlite and drains on SIGTERM with exit 0', async () => {
    await expectServingProcess(main, { PGLITE_DIR: join(dir, 'records') }, tools().grpcHealthProbe, {
      timeoutMs: 60_000,
    });
  });

  it('refuses bad config naming the variable, exit 78', async () => {
    const r = await runServiceExpectingFailure(main, { DATABASE_URL: 'mysql://db/records', ADMIN_API_KEY: 'short' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('DATABASE_URL');
    expect(r.stderr).toContain('ADMIN_API_KEY');
    expect(r.stderr).not.toContain('short');
  });
});
