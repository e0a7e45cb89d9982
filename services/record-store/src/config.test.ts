import { describe, expect, it } from 'vitest';
import { ConfigError } from '@nightglow/runtime';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies defaults: PGlite, memory bus, auth on, retention per kind', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.pgliteDir).toBe('./data/records');
    expect(c.pgliteSharedBuffersBytes).toBe(16 * 1024 * 1024);
    expect(loadConfig({ PGLITE_SHARED_BUFFERS: '64MiB' }).pgliteSharedBuffersBytes).toBe(64 * 1024 * 1024);
    expect(c.auth).toEqual({ disabled: false, adminApiKey: undefined });
    expect(c.sealGraceMs).toBe(5000);
    expect(c.retention.eventsMs).toBe(720 * 3_600_000);
    expect(c.consumerSessionTimeoutMs).toBe(30_000);
    expect(c.ingestConcurrency).toBe(6);
    expect(loadConfig({ INGEST_CONCURRENCY: '1' }).ingestConcurrency).toBe(1);
  });

  it('keeps the admin key out of logs', () => {
    const c = loadConfig({ ADMIN_API_KEY: 'a-very-long-bootstrap-admin-key' });
    expect(c.auth.adminApiKey?.reveal()).toBe('a-very-long-bootstrap-admin-key');
    expect(JSON.stringify(c)).not.toContain('a-very-long-bootstrap-admin-key');
    expect(String(c.auth.adminApiKey)).toBe('[redacted]');
  });

  it('names every bad variable', () => {
    try {
      loadConfig({
        DATABASE_URL: 'mysql://x/y',
        ADMIN_API_KEY: 'short',
        SEAL_GRACE: 'soon',
        CONSUMER_SESSION_TIMEOUT: '1s',
        INGEST_CONCURRENCY: '0',
        PGLITE_SHARED_BUFFERS: '100kB',
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      for (const v of [
        'DATABASE_URL',
        'ADMIN_API_KEY',
        'SEAL_GRACE',
        'CONSUMER_SESSION_TIMEOUT',
        'INGEST_CONCURRENCY',
        'PGLITE_SHARED_BUFFERS',
      ])
        expect((e as Error).message).toContain(v);
    }
  });
});
