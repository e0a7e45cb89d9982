import { randomUUID } from 'node:crypto';
import { useTestEnv } from '@nightglow/testenv';
import { describeStoreContract } from '../test-support/store-contract.js';
import { createRedisBackend } from './redis-store.js';

// Each backend gets its own key prefix, so tests (and concurrent runs) never share state.
describeStoreContract('redis', () =>
  createRedisBackend({ url: useTestEnv().redis.url, keyPrefix: `test:${randomUUID()}:` }),
);
