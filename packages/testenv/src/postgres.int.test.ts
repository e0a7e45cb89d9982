import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestEnv } from './context.js';

describe('postgresql (real server from the test environment)', () => {
  const { postgres } = useTestEnv();
  const client = new pg.Client({ connectionString: postgres.url });
  const table = `it_sessions_${process.pid}`;

  beforeAll(async () => {
    await client.connect();
    await client.query(
      `CREATE TABLE ${table} (id text PRIMARY KEY, state text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
    );
  });
  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await client.end();
  });

  it('is PostgreSQL 15 on a loopback port', async () => {
    expect(postgres.host).toBe('127.0.0.1');
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    expect(rows[0]?.server_version).toMatch(/^15\./);
  });

  it('stores rows and selects them back', async () => {
    await client.query(`INSERT INTO ${table} (id, state) VALUES ($1, $2), ($3, $4)`, ['s1', 'READY', 's2', 'QUEUED']);
    const { rows } = await client.query<{ id: string; state: string }>(`SELECT id, state FROM ${table} ORDER BY id`);
    expect(rows).toEqual([
      { id: 's1', state: 'READY' },
      { id: 's2', state: 'QUEUED' },
    ]);
  });

  it('rolls a transaction back, and enforces the primary key', async () => {
    await client.query('BEGIN');
    await client.query(`INSERT INTO ${table} (id, state) VALUES ('s3', 'STARTING')`);
    await client.query(`UPDATE ${table} SET state = 'FAILED' WHERE id = 's1'`);
    await client.query('ROLLBACK');
    const { rows } = await client.query<{ id: string; state: string }>(
      `SELECT id, state FROM ${table} WHERE id IN ('s1', 's3')`,
    );
    expect(rows).toEqual([{ id: 's1', state: 'READY' }]);
    await expect(client.query(`INSERT INTO ${table} (id, state) VALUES ('s1', 'READY')`)).rejects.toMatchObject({
      code: '23505',
    });
  });
});
