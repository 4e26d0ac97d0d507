// Builds the `lfk` command into dist/ with esbuild: one bundle for the command, with its lazily
// loaded parts as shared chunks, and one self-contained CommonJS file for the scanner's worker
// thread (a CommonJS worker skips the ESM loader's start-up, 10-20 ms of every worker's start). A process
// then reads a handful of files at start instead of dozens of modules (each resolved, realpath'd
// and compiled), which is most of `lfk scan`'s start-up.
// Type-checking is `npm run typecheck` (tsc), not this.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

// npm packages stay outside the bundle (native ones must), except smol-toml: `lfk scan` reads the
// rules with it, and bundled it is one file read instead of nine.
const BUNDLED = new Set(['smol-toml']);
const { dependencies } = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys(dependencies)
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { 'cli/main': 'cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // Chunks sit one level under dist/, like cli/ and scanner/, so `../` paths from any of them agree.
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
});
await build({
  entryPoints: { 'scanner/worker': 'scanner/worker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: true,
  logLevel: 'warning',
});
