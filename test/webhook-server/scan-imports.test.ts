// `lfk scan` must start fast: nothing it imports, however indirectly, may be the webhook server,
// Octokit, nodemailer or a database driver. Static imports only: lazy
// `import()`s are exactly how the other commands keep it light.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import\s+(?!type\b)[^'"]*?from\s+'([^']+)';?$|^import\s+'([^']+)';?$/gm)].map(
    (match) => match[1] ?? match[2]!,
  );
}

function graph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(resolve(ROOT, entry));
  return { files, packages };
}

describe('the lfk scan import graph', () => {
  it('holds no webhook server, Octokit, mailer or database driver', () => {
    const { files, packages } = graph('cli/commands/scan.ts');
    expect(files.size).toBeGreaterThan(5);
    expect([...files].filter((file) => file.includes('/webhook-server/') || file.includes('/notify/'))).toEqual([]);
    expect(
      [...packages].filter((name) => /^(@octokit\/|nodemailer|better-sqlite3|pg$|hono|@hono\/)/.test(name)),
    ).toEqual([]);
  });
});
