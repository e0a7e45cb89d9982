import { defineConfig } from 'vitest/config';

/**
 * Two projects:
 * - `unit`: `*.test.ts` next to the code; fakes only, no servers.
 * - `int`: `*.int.test.ts`; real servers started once by the test environment's
 *   global setup (packages/testenv) on free loopback ports and stopped afterwards.
 * Workspace packages resolve to their TypeScript sources through the
 * `@nightglow/source` export condition, so tests need no prior build.
 */
export default defineConfig({
  resolve: { conditions: ['@nightglow/source'] },
  ssr: { resolve: { conditions: ['@nightglow/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{packages,services}/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['{packages,services}/*/{src,test}/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          globalSetup: ['packages/testenv/src/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
