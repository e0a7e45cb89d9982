import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectServingProcess, runServiceExpectingFailure } from '@nightglow/runtime/testing';
import { tools } from '@nightglow/testenv';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('operator process', () => {
  it('serves its probes and drains on SIGTERM with exit 0', async () => {
    await expectServingProcess(main, {}, tools().grpcHealthProbe, {
      args: ['--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=127.0.0.1:0'],
    });
  });

  it('refuses a bad variable naming it, exit 78', async () => {
    const r = await runServiceExpectingFailure(main, { RECORD_STORE_URL: 'not a url' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('RECORD_STORE_URL');
  });
});
