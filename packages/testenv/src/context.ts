import { inject } from 'vitest';
import type { TestEnv } from './test-env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by packages/testenv's global setup for the `int` project. */
    testenv: TestEnv;
  }
}

/**
 * The running test environment's addresses, inside an integration test. Throws a
 * message that says how to get one when the global setup did not provide it (a
 * test run outside the `int` project).
 */
export function useTestEnv(): TestEnv {
  const env = inject('testenv') as TestEnv | undefined;
  if (env === undefined) {
    throw new Error(
      'no test environment: run integration tests as `npx vitest run --project int` (its globalSetup, packages/testenv/src/global-setup.ts, starts the servers); install them first with `bash scripts/testenv/install.sh`',
    );
  }
  return env;
}
