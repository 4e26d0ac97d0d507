// Test databases: a fresh SQLite file, or a fresh schema on the PostgreSQL of
// LFK_TEST_DATABASE_URL. Suites that need PostgreSQL skip loudly when it is not set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { openStore, type Dialect, type Store } from '../../platform/database/database.js';
import { captureText, capturing } from './leak-capture.js';

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
    const file = join(dir, 'lfk.db');
    const url = `sqlite:${file}`;
    return {
      url,
      dialect,
      open: () => openStore(url),
      async drop() {
        captureSqliteRows(file);
        rmSync(dir, { recursive: true, force: true });
      },
    };
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
      await capturePostgresRows(client, schema);
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    },
  };
}

// Into the leak check (leak-capture.ts), before a database goes: every row of every table, as JSON
// lines. Audit events above all, but no table may hold a full key at rest either (keys are stored
// as hashes: docs/key-service.md#keys). A database a suite broke on purpose, or never migrated,
// is skipped.
function captureSqliteRows(file: string): void {
  if (!capturing()) return;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const tables = db
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
      .all() as Array<{ name: string }>;
    for (const { name } of tables) captureRows(`sqlite table ${name}`, db.prepare(`select * from "${name}"`).all());
  } catch {
    // Nothing to read.
  } finally {
    db?.close();
  }
}

async function capturePostgresRows(
  client: { query(sql: string, values?: unknown[]): Promise<{ rows: unknown[] }> },
  schema: string,
): Promise<void> {
  if (!capturing()) return;
  try {
    const { rows } = await client.query('select table_name from information_schema.tables where table_schema = $1', [
      schema,
    ]);
    for (const { table_name: name } of rows as Array<{ table_name: string }>) {
      captureRows(`postgres table ${name}`, (await client.query(`select * from ${schema}."${name}"`)).rows);
    }
  } catch {
    // Nothing to read.
  }
}

function captureRows(source: string, rows: unknown[]): void {
  captureText(
    'database',
    source,
    rows
      .map((row) =>
        JSON.stringify(row, (_, value: unknown) =>
          Buffer.isBuffer(value) ? value.toString('hex') : typeof value === 'bigint' ? String(value) : value,
        ),
      )
      .join('\n'),
  );
}
