// Imported first by the benches that use a database: the local PostgreSQL unless told otherwise,
// set before test/support/databases.ts reads it at import.
process.env.LFK_TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
process.env.LFK_TEST_QUIET = '1';
