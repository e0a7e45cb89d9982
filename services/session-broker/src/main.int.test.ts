import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectServingProcess, runServiceExpectingFailure } from '@nightglow/runtime/testing';
import { tools } from '@nightglow/testenv';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('session-broker process', () => {
  it('serves health and drains on SIGTERM with exit 0', async () => {
    await expectServingProcess(main, {}, tools().grpcHealthProbe);
  });

  it('refuses bad config naming the variable, exit 78', async () => {
    const r = await runServiceExpectingFailure(main, { STATE_STORE: 'redis' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('REDIS_URL');
  });
});
