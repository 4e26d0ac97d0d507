import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests that spawn servers and databases are heavy on a 2-core machine.
    maxWorkers: 2,
    // A fresh leak-capture folder per run, scanned for full keys at the end (issue 8).
    globalSetup: ['test/security/leak-global-setup.ts'],
  },
});
