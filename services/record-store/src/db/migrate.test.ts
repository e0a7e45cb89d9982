import { describe, expect, it } from 'vitest';
import { splitStatements } from './migrate.js';
import { MIGRATIONS } from './migrations.js';

describe('migrations', () => {
  it('split on semicolons outside dollar-quoted function bodies', () => {
    const sql = `CREATE TABLE a (x int);\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE EXCEPTION 'no; never';\nEND $$;\n`;
    expect(splitStatements(sql)).toEqual([
      'CREATE TABLE a (x int)',
      "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE EXCEPTION 'no; never';\nEND $$",
    ]);
  });

  it('are numbered 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_m, i) => i + 1));
  });
});
