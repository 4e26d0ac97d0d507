// Scanning a repository nobody vouches for must run nothing it names: each way a repository's
// config, attributes or refs can make git start a program is planted in a real repository with a
// command that leaves a marker file, and every mode of lfk that runs git must leave no marker
// while still finding the key.
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, git, lfk, newKey, newRepo, scanJson, tempDir, tryGit, write } from './repo.js';

const ZERO = '0'.repeat(40);

interface Vector {
  name: string;
  /** Plants the vector; `run` is a shell command that leaves the marker. */
  plant: (repo: string, run: string) => void;
}

const sh = (marker: string) => `touch '${marker}'; false`;

const VECTORS: Vector[] = [
  { name: 'core.fsmonitor', plant: (repo, run) => git(repo, 'config', 'core.fsmonitor', run) },
  { name: 'diff.external', plant: (repo, run) => git(repo, 'config', 'diff.external', run) },
  {
    name: 'a textconv driver chosen by .gitattributes',
    plant: (repo, run) => {
      git(repo, 'config', 'diff.Evil.textconv', run);
      write(repo, '.git/info/attributes', '* diff=Evil\n');
    },
  },
  {
    name: 'an external diff command of a driver',
    plant: (repo, run) => {
      git(repo, 'config', 'diff.evil.command', run);
      write(repo, '.git/info/attributes', '* diff=evil\n');
    },
  },
  {
    name: 'clean, smudge and process filters',
    plant: (repo, run) => {
      git(repo, 'config', 'filter.my.odd.clean', run);
      git(repo, 'config', 'filter.my.odd.smudge', run);
      git(repo, 'config', 'filter.My.Odd.process', run);
      write(repo, '.git/info/attributes', '* filter=my.odd\n*.env filter=My.Odd\n');
    },
  },
  {
    name: 'core.pager and pager.<command>',
    plant: (repo, run) => {
      git(repo, 'config', 'core.pager', run);
      git(repo, 'config', 'pager.log', run);
      git(repo, 'config', 'pager.diff', run);
    },
  },
  {
    name: 'hooks in core.hooksPath',
    plant: (repo, run) => {
      const hooks = join(repo, '.evil-hooks');
      for (const hook of [
        'pre-auto-gc',
        'post-checkout',
        'reference-transaction',
        'post-index-change',
        'fsmonitor-watchman',
      ]) {
        write(repo, `.evil-hooks/${hook}`, `#!/bin/sh\n${run}\n`);
        chmodSync(join(hooks, hook), 0o755);
      }
      git(repo, 'config', 'core.hooksPath', hooks);
      git(repo, 'config', 'gc.auto', '1');
    },
  },
];

/** A repository holding a committed key and a staged one, with the vector planted. */
function hostileRepo(vector: Vector): { repo: string; marker: string; committed: string; staged: string } {
  const repo = newRepo();
  const marker = join(tempDir('lfk-marker-'), 'PWNED');
  const committed = newKey();
  const staged = newKey();
  commit(repo, 'one', { 'config/app.env': `KEY=${committed}\n`, 'README.md': 'hello\n' });
  write(repo, 'staged.env', `KEY=${staged}\n`);
  git(repo, 'add', 'staged.env');
  // Modified in the work tree too, so status-like refreshes would have something to filter.
  write(repo, 'README.md', 'hello again\n');
  vector.plant(repo, sh(marker));
  return { repo, marker, committed, staged };
}

describe('a hostile repository runs nothing when lfk scans it', () => {
  for (const vector of VECTORS) {
    describe(vector.name, () => {
      it('lfk scan . (files, .gitignore read through git ls-files)', async () => {
        const { repo, marker, committed } = hostileRepo(vector);
        const { report } = await scanJson(repo, ['.']);
        expect(existsSync(marker)).toBe(false);
        expect(report.findings.map((finding) => finding.secret)).toContain(committed);
      });

      it('lfk scan --staged', async () => {
        const { repo, marker, staged } = hostileRepo(vector);
        const { report } = await scanJson(repo, ['--staged']);
        expect(existsSync(marker)).toBe(false);
        expect(report.findings.map((finding) => finding.secret)).toEqual([staged]);
      });

      it('lfk scan --git', async () => {
        const { repo, marker, committed } = hostileRepo(vector);
        const { report } = await scanJson(repo, ['--git']);
        expect(existsSync(marker)).toBe(false);
        expect(report.findings.map((finding) => finding.secret)).toEqual([committed]);
      });

      it('lfk scan --pre-push', async () => {
        const { repo, marker, committed } = hostileRepo(vector);
        const tip = git(repo, 'rev-parse', 'HEAD');
        const { report } = await scanJson(repo, ['--pre-push', 'origin'], {
          input: `refs/heads/main ${tip} refs/heads/main ${ZERO}\n`,
        });
        expect(existsSync(marker)).toBe(false);
        expect(report.findings.map((finding) => finding.secret)).toEqual([committed]);
      });

      it('lfk hook install', async () => {
        const { repo, marker } = hostileRepo(vector);
        const run = await lfk(repo, ['hook', 'install', '--pre-commit', '--pre-push']);
        expect(run.code).toBe(0);
        expect(existsSync(marker)).toBe(false);
      });
    });
  }
});

describe('a partial clone whose remote is a command', () => {
  /** A blob-less clone: `git log -p` would fetch each missing blob from the promisor remote. */
  function partialClone(remote: (marker: string) => Record<string, string>): { repo: string; marker: string } {
    const source = newRepo();
    commit(source, 'one', { 'a.env': `KEY=${newKey()}\n` });
    git(source, 'config', 'uploadpack.allowFilter', 'true');
    const repo = join(tempDir(), 'clone');
    git(tempDir(), 'clone', '-q', '--no-checkout', '--filter=blob:none', `file://${source}`, repo);
    const marker = join(tempDir('lfk-marker-'), 'PWNED');
    for (const [key, value] of Object.entries(remote(marker))) git(repo, 'config', key, value);
    return { repo, marker };
  }

  it('an ext:: transport the repository allows is not run: the scan fails clearly instead', async () => {
    const { repo, marker } = partialClone((m) => ({
      'remote.origin.url': `ext::sh -c touch% ${m}`,
      'protocol.ext.allow': 'always',
      'protocol.allow': 'always',
    }));
    const run = await lfk(repo, ['scan', '--git']);
    expect(existsSync(marker)).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('git');
  });

  it('an upload-pack command of a local remote is not run either', async () => {
    const { repo, marker } = partialClone((m) => ({
      'remote.origin.uploadpack': `touch '${m}'; git-upload-pack`,
      'protocol.file.allow': 'always',
    }));
    const run = await lfk(repo, ['scan', '--git']);
    expect(existsSync(marker)).toBe(false);
    expect(run.code).toBe(2);
  });
});

describe('git variables from the environment', () => {
  it('GIT_EXTERNAL_DIFF, GIT_PAGER and GIT_CONFIG_PARAMETERS of the caller are not passed on to git', async () => {
    const repo = newRepo();
    const key = newKey();
    commit(repo, 'one', { 'a.env': `KEY=${key}\n` });
    const marker = join(tempDir('lfk-marker-'), 'PWNED');
    const env = {
      GIT_EXTERNAL_DIFF: `/bin/sh -c "touch '${marker}'"`,
      GIT_PAGER: `touch '${marker}'`,
      GIT_CONFIG_PARAMETERS: `'core.fsmonitor'='touch ${marker}; false'`,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'diff.external',
      GIT_CONFIG_VALUE_0: `touch '${marker}'; false`,
    };
    for (const args of [['--git'], ['.']]) {
      const { report } = await scanJson(repo, args, { env });
      expect(report.findings.map((finding) => finding.secret)).toContain(key);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('a stray GIT_DIR does not point lfk scan --git at another repository', async () => {
    const repo = newRepo();
    const other = newRepo();
    const here = newKey();
    commit(repo, 'one', { 'a.env': `KEY=${here}\n` });
    commit(other, 'one', { 'b.env': `KEY=${newKey()}\n` });
    const { report } = await scanJson(repo, ['--git'], { env: { GIT_DIR: join(other, '.git') } });
    expect(report.findings.map((finding) => finding.secret)).toEqual([here]);
  });

  it("inside a hook, git's own GIT_INDEX_FILE is honoured: git commit of one path scans that path's index", async () => {
    const repo = newRepo();
    commit(repo, 'one', { 'README.md': 'hi\n' });
    expect((await lfk(repo, ['hook', 'install'])).code).toBe(0);
    const key = newKey();
    write(repo, 'only.env', `KEY=${key}\n`);
    git(repo, 'add', 'only.env');
    git(repo, 'reset', '-q', '--', 'only.env');
    write(repo, 'README.md', `hi ${key}\n`);
    // `git commit README.md` commits from a temporary index that only GIT_INDEX_FILE names.
    const blocked = tryGit(repo, ['commit', '-q', '-m', 'readme', '--', 'README.md']);
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toContain('README.md');
  });
});

describe('replacement objects', () => {
  it('a replace ref cannot hide a commit that holds a key', async () => {
    const repo = newRepo();
    const key = newKey();
    commit(repo, 'start', { 'README.md': 'hi\n' });
    const leaking = commit(repo, 'leak', { 'a.env': `KEY=${key}\n` });
    // A clean commit with the same parent, put in place of the leaking one for every git command.
    git(repo, 'rm', '-q', 'a.env');
    const clean = git(repo, 'commit-tree', git(repo, 'write-tree'), '-p', `${leaking}^`, '-m', 'leak');
    git(repo, 'reset', '-q', '--hard', leaking);
    git(repo, 'replace', leaking, clean);
    expect(git(repo, 'log', '-p', '--format=%H')).not.toContain(key);
    const { report } = await scanJson(repo, ['--git']);
    expect(report.findings.map((finding) => [finding.secret, finding.commit])).toEqual([[key, leaking]]);
  });
});
