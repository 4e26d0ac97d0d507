// The layout's rules (docs/architecture.md), read from the TypeScript imports of every source file:
// a rule broken by a new import fails here, naming the file and what it imported.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE_FOLDERS = ['platform', 'key-service', 'webhook-server', 'scanner', 'rules', 'cli'];

interface Import {
  /** The importing file, from the repository's root. */
  from: string;
  /** The imported file from the root, or the package name. */
  to: string;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.tsx?$/.test(name) && !name.endsWith('.d.ts'))
    .map((name) => posix.join(folder, name.split('\\').join('/')));
}

/** Every static and dynamic import and re-export, with `import type` too: a type still couples. */
function importsOf(file: string): Import[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return importedFiles.map(({ fileName }) => ({
    from: file,
    to: fileName.startsWith('.')
      ? relative(ROOT, join(ROOT, dirname(file), fileName))
          .split('\\')
          .join('/')
      : fileName,
  }));
}

const ALL = SOURCE_FOLDERS.flatMap(sourceFiles).flatMap(importsOf);

function inside(path: string, ...folders: string[]): boolean {
  return folders.some((folder) => path === folder || path.startsWith(`${folder}/`));
}

/** The imports of files in `from` that reach into `to`, except the allowed targets. */
function crossing(from: string[], to: string[], allowed: string[] = []): string[] {
  return ALL.filter(
    (edge) =>
      inside(edge.from, ...from) &&
      inside(edge.to, ...to) &&
      !allowed.some((target) => edge.to.replace(/\.js$/, '') === target),
  )
    .map((edge) => `${edge.from} imports ${edge.to}`)
    .sort();
}

describe('import rules', () => {
  it('reads the tree (a broken reader would pass every rule)', () => {
    expect(ALL.length).toBeGreaterThan(500);
    expect(ALL).toContainEqual({ from: 'cli/server.ts', to: 'key-service/http/app.js' });
  });

  it('platform/ depends on no part of lfk: every part may use it', () => {
    expect(crossing(['platform'], ['key-service', 'webhook-server', 'scanner', 'rules', 'cli'])).toEqual([]);
  });

  it('the API (key-service/http) and the web page (key-service/web) reach the database only through the service', () => {
    expect(crossing(['key-service/http', 'key-service/web'], ['platform/database', 'platform/queue'])).toEqual([]);
  });

  it('the webhook server reaches the key service only through its reporting interface', () => {
    expect(crossing(['webhook-server'], ['key-service'], ['key-service/exposure-reporter'])).toEqual([]);
  });

  it('the scanner reaches the key service only through its HTTP client, and knows no server', () => {
    expect(crossing(['scanner', 'rules'], ['key-service'], ['key-service/http-client'])).toEqual([]);
    expect(crossing(['scanner', 'rules'], ['webhook-server', 'cli'])).toEqual([]);
  });

  it('the key service knows neither the webhook server, the scanner nor the command line', () => {
    expect(crossing(['key-service'], ['webhook-server', 'scanner', 'cli'])).toEqual([]);
  });

  it('only the command line, the composition root, is imported by nothing', () => {
    expect(crossing(['platform', 'key-service', 'webhook-server', 'scanner', 'rules'], ['cli'])).toEqual([]);
  });
});
