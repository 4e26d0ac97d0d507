// Test databases: a fresh SQLite file, or a fresh schema on the PostgreSQL of
// LFK_TEST_DATABASE_URL. Suites that need PostgreSQL skip loudly when it is not set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openStore, type Dialect, type Store } from '../../key-service/store/database.js';

export const POSTGRES_URL = process.env.LFK_TEST_DATABASE_URL;

export const DIALECTS: Dialect[] = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];

if (!POSTGRES_URL && !process.env.LFK_TEST_QUIET) {
  process.stderr.write('\n*** LFK_TEST_DATABASE_URL is not set: PostgreSQL suites are SKIPPED (CI sets it). ***\n\n');
}

export interface TestDatabase {
  url: string;
  dialect: Dialect;
  open(): Promise<Store>;
  drop(): Promise<void>;
}

/** A database of its own for one suite: a temp SQLite file, or a new PostgreSQL schema. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'lfk-test-'));
    const url = `sqlite:${join(dir, 'lfk.db')}`;
    return { url, dialect, open: () => openStore(url), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const postgresUrl = process.env.LFK_TEST_DATABASE_URL;
  if (!postgresUrl) throw new Error('LFK_TEST_DATABASE_URL is not set');
  const schema = `lfk_test_${randomBytes(6).toString('hex')}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const separator = postgresUrl.includes('?') ? '&' : '?';
  const url = `${postgresUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url,
    dialect,
    open: () => openStore(url, { poolSize: 4 }),
    async drop() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    },
  };
}
