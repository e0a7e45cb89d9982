/**
 * The shared record-store suite on PGlite (in-memory, one database per part).
 */
import { describe, expect, it } from 'vitest';
import { createPgliteDb } from '../db/pglite-db.js';
import { alertsSuite } from './suite-alerts.js';
import { apiSuite } from './suite-api.js';
import { ingestSuite } from './suite-ingest.js';
import { recordsSuite } from './suite-records.js';

const open = () => createPgliteDb();

ingestSuite(open);
recordsSuite(open);
apiSuite(open);
alertsSuite(open);

describe('PGlite settings', () => {
  it('takes shared_buffers from the configuration (PGlite defaults to 128 MiB)', async () => {
    const db = await createPgliteDb({ sharedBuffersBytes: 16 * 1024 * 1024 });
    const plain = await createPgliteDb();
    try {
      const setting = async (d: typeof db) =>
        (await d.query<{ setting: string }>("select setting from pg_settings where name = 'shared_buffers'")).rows[0]
          ?.setting;
      expect(await setting(db)).toBe('2048'); // 8 kB pages
      expect(await setting(plain)).toBe('16384');
    } finally {
      await db.close();
      await plain.close();
    }
  });
});
