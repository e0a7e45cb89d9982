import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectServingProcess, runServiceExpectingFailure } from '@nightglow/runtime/testing';
import { tools } from '@nightglow/testenv';
import { expectNoChromiumUnder } from './test-support/fixtures.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('session-broker process', () => {
  it('serves health with its default local pool, drains on SIGTERM with exit 0 and leaves no Chromium', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ngb-test-'));
    await expectServingProcess(main, { LOCAL_DATA_DIR: dataDir }, tools().grpcHealthProbe);
    await expectNoChromiumUnder(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses bad config naming the variable, exit 78', async () => {
    const r = await runServiceExpectingFailure(main, { STATE_STORE: 'redis' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('REDIS_URL');
  });

  it('refuses a bad pool file naming the variable and the field, exit 78', async () => {
    const r = await runServiceExpectingFailure(main, { POOLS: '{"pools":[{"name":"x","maxSessions":-1}]}' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('POOLS: pools[0].maxSessions: must be an integer in 1..10000, got -1');
    const missing = await runServiceExpectingFailure(main, { POOLS_FILE: '/nonexistent/pools.yaml' });
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('POOLS_FILE: cannot read /nonexistent/pools.yaml');
  });
});
