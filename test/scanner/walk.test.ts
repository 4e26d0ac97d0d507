import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MissingPathError, walkFiles, type WalkOptions } from '../../scanner/sources/walk.js';

async function listFiles(paths: string[], walkOptions: WalkOptions) {
  const warnings: string[] = [];
  const entries = [];
  for await (const batch of walkFiles(paths, walkOptions, warnings)) entries.push(...batch);
  return { entries, warnings };
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lfk-walk-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

function options(cwd: string, extra: Partial<WalkOptions> = {}): WalkOptions {
  return { cwd, gitignore: true, ...extra };
}

async function files(cwd: string, paths: string[], extra: Partial<WalkOptions> = {}) {
  const result = await listFiles(paths, options(cwd, extra));
  return { ...result, names: result.entries.map((entry) => entry.file).sort() };
}

describe('walk', () => {
  it('honours .gitignore inside a git work tree, and not with gitignore off', async () => {
    const root = tree({
      '.gitignore': 'ignored.txt\nbuild/\n*.log\n!keep.log\n',
      'src/a.ts': 'a',
      'src/.gitignore': 'local.txt\n',
      'src/local.txt': 'x',
      'ignored.txt': 'x',
      'build/out.js': 'x',
      'x.log': 'x',
      'keep.log': 'x',
      '.env': 'x',
    });
    execFileSync('git', ['init', '-q', root]);
    const honoured = await files(root, ['.']);
    expect(honoured.names).toEqual(['.env', '.gitignore', 'keep.log', 'src/.gitignore', 'src/a.ts']);
    const all = await files(root, ['.'], { gitignore: false });
    expect(all.names).toEqual([
      '.env',
      '.gitignore',
      'build/out.js',
      'ignored.txt',
      'keep.log',
      'src/.gitignore',
      'src/a.ts',
      'src/local.txt',
      'x.log',
    ]);
    // A file named on the command line is scanned even when ignored.
    expect((await files(root, ['ignored.txt'])).names).toEqual(['ignored.txt']);
  });

  it('skips .git and does not follow symbolic links (a loop is harmless)', async () => {
    const root = tree({ '.git/config': 'x', 'sub/.git': 'gitdir: elsewhere', 'sub/file.txt': 'x' });
    symlinkSync(root, join(root, 'sub', 'loop'));
    symlinkSync(join(root, 'sub', 'file.txt'), join(root, 'link.txt'));
    const result = await files(root, ['.'], { gitignore: false });
    expect(result.names).toEqual(['sub/file.txt']);
    expect(result.warnings).toEqual([]);
    expect((await files(root, ['link.txt'])).warnings).toEqual(['link.txt: symbolic link, not followed']);
  });

  it('a FIFO is skipped with a warning (reading it would block)', async () => {
    const root = tree({ 'a.txt': 'x' });
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const walked = await files(root, ['.'], { gitignore: false });
    expect(walked.names).toEqual(['a.txt']);
    expect(walked.warnings).toEqual(['pipe: not a regular file (FIFO), skipped']);
    expect((await files(root, ['pipe'])).warnings).toEqual(['pipe: not a regular file (FIFO), skipped']);
  });

  it('an unreadable folder is a warning and the walk goes on', async () => {
    // Tests run as root, which reads every folder: the fs layer is made to refuse one instead.
    const root = tree({ 'open/a.txt': 'x', 'locked/b.txt': 'x', 'c.txt': 'x' });
    const refusing = ((path: string, ...rest: unknown[]) => {
      if (path.endsWith('locked')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      return (readdirSync as (...args: unknown[]) => unknown)(path, ...rest);
    }) as typeof readdirSync;
    const result = await files(root, ['.'], { gitignore: false, readdirSync: refusing });
    expect(result.names).toEqual(['c.txt', 'open/a.txt']);
    expect(result.warnings).toEqual(['locked: cannot read folder (EACCES), skipped']);
  });

  it('a path that does not exist is fatal', async () => {
    const root = tree({ 'a.txt': 'x' });
    await expect(listFiles(['a.txt', 'missing'], options(root))).rejects.toThrow(MissingPathError);
    await expect(listFiles(['missing'], options(root))).rejects.toThrow('missing: no such file or directory');
  });

  it('paths outside the current folder are shown absolute', async () => {
    const root = tree({ 'a/b.txt': 'x' });
    const result = await files(join(root, 'a', '..', 'elsewhere-cwd'), [join(root, 'a')], { gitignore: false });
    expect(result.names).toEqual([join(root, 'a', 'b.txt')]);
  });
});
