// Paths as reports show them, and the git work tree a path sits in.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

/** The work tree root above (or at) `dir`: the nearest folder holding `.git` (a folder or a file). */
export function findRepoRoot(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return undefined;
  }
}

/** `/`-separated path relative to `base`, or absolute when it lies outside `base`. */
export function displayPath(absolute: string, base: string): string {
  const rel = relative(base, absolute);
  const shown = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? absolute : rel;
  return sep === '/' ? shown : shown.split(sep).join('/');
}
