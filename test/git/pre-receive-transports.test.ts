// The pre-receive hook (docs/git.md) over the transports a git server really uses:
// `lfk hook install --pre-receive` in bare repositories served by `git daemon` (git://) and by
// `git http-backend` (smart HTTP), and real `git push` to them. pre-receive.test.ts covers the
// local transport; here the hook runs under a daemon's or a CGI's environment, its words reach the
// pusher over the sideband, and the pushed objects sit in git's quarantine until the hook says yes.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer } from '../support/git-http-server.js';
import { commit, git, GIT_ENV, lfk, newKey, newRepo, tempDir, tryGit } from './repo.js';

interface Transport {
  /** Folder whose bare repositories the server serves. */
  root: string;
  /** The push URL of the repository `name` under root. */
  url(name: string): string;
  close(): Promise<void>;
}

/** `git push` in a child, never spawnSync: the smart-HTTP server answers from this process. */
function push(repo: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['push', ...args], {
      cwd: repo,
      env: { ...process.env, ...GIT_ENV, GIT_TERMINAL_PROMPT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stderr }));
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Resolves once something accepts connections on the port (the daemon binds after it starts). */
async function listening(port: number, daemon: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (daemon.exitCode !== null) throw new Error(`git daemon exited (${daemon.exitCode})`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`git daemon did not listen on ${port}`);
}

async function gitDaemon(): Promise<Transport> {
  const root = tempDir('lfk-daemon-');
  const port = await freePort();
  // The hooks run under the daemon's environment: the test's own git settings, node on PATH.
  const daemon = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      `--base-path=${root}`,
      '--export-all',
      '--enable=receive-pack',
      '--listen=127.0.0.1',
      `--port=${port}`,
      root,
    ],
    {
      env: { ...process.env, ...GIT_ENV },
      stdio: 'ignore',
    },
  );
  await listening(port, daemon);
  return {
    root,
    url: (name) => `git://127.0.0.1:${port}/${name}`,
    close: async () => {
      if (daemon.exitCode !== null) return;
      const exited = new Promise((resolve) => daemon.once('exit', resolve));
      daemon.kill();
      await exited;
    },
  };
}

async function smartHttp(): Promise<Transport> {
  const root = tempDir('lfk-http-');
  const token = 'push-token';
  const server = await startGitHttpServer(root, (given) => given === token);
  const { host } = new URL(server.url);
  return { root, url: (name) => `http://x-access-token:${token}@${host}/${name}`, close: () => server.close() };
}

const headOf = (bare: string, ref: string) => tryGit(bare, ['rev-parse', '--verify', '--quiet', ref]).stdout.trim();
const branchesOf = (bare: string) =>
  git(bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/').split('\n').filter(Boolean);
const redacted = (key: string) => `${key.slice(0, 11)}…${key.slice(-4)}`;

let served = 0;

describe.each([
  ['git daemon (git://)', gitDaemon],
  ['git http-backend (smart HTTP)', smartHttp],
] as const)('lfk scan --pre-receive over %s', (_name, start) => {
  let transport: Transport;
  beforeAll(async () => {
    transport = await start();
  });
  afterAll(async () => {
    await transport?.close();
  });

  /** A served bare repository, with `before` run in it before lfk's hook goes in, and a clone that pushed main. */
  async function serverAndClone(
    options: { pushOptions?: boolean; before?: (bare: string) => void } = {},
  ): Promise<{ bare: string; repo: string }> {
    const name = `app-${++served}.git`;
    const bare = join(transport.root, name);
    git(transport.root, 'init', '-q', '--bare', '-b', 'main', name);
    if (options.pushOptions !== false) git(bare, 'config', 'receive.advertisePushOptions', 'true');
    options.before?.(bare);
    const installed = await lfk(bare, ['hook', 'install', '--pre-receive']);
    expect(installed.code, installed.stderr).toBe(0);
    const repo = newRepo();
    commit(repo, 'start', { 'README.md': '# app\n' });
    git(repo, 'remote', 'add', 'origin', transport.url(name));
    const first = await push(repo, ['-q', 'origin', 'main']);
    expect(first.status, first.stderr).toBe(0);
    return { bare, repo };
  }

  it('refuses a new branch that adds a key, redacted, and keeps it off the server; a clean push passes', async () => {
    const { bare, repo } = await serverAndClone();
    git(repo, 'checkout', '-q', '-b', 'feature');
    const key = newKey();
    const added = commit(repo, 'add config', { 'config/app.env': `NAME=crm\nKEY=${key}\n` });
    const refused = await push(repo, ['origin', 'feature']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('remote: lfk: push refused: 1 Trust Leads API key in the commits you pushed:');
    expect(refused.stderr).toContain(`remote:   config/app.env:2  ${redacted(key)}  (commit ${added.slice(0, 12)})`);
    expect(refused.stderr).toContain('pre-receive hook declined');
    expect(refused.stderr).not.toContain(key);
    expect(headOf(bare, 'refs/heads/feature')).toBe('');
    // The refused objects went with the quarantine: the server never stored the commit.
    expect(tryGit(bare, ['cat-file', '-e', added]).status).not.toBe(0);

    git(repo, 'checkout', '-q', '-b', 'clean', 'main');
    const clean = commit(repo, 'clean work', { 'src/app.ts': 'export const app = process.env.TRUSTLEADS_API_KEY;\n' });
    const passed = await push(repo, ['origin', 'clean']);
    expect(passed.status, passed.stderr).toBe(0);
    expect(passed.stderr).not.toContain('lfk: push refused');
    expect(headOf(bare, 'refs/heads/clean')).toBe(clean);
  });

  it('reads the pushed objects from the quarantine: they are not in the repository while the hook runs', async () => {
    let log = '';
    const { bare, repo } = await serverAndClone({
      // An existing hook, which lfk chains and runs first: it sees what lfk will see.
      before: (where) => {
        log = join(where, 'quarantine.log');
        const probe = `#!/bin/sh
while read old new ref; do
  echo "quarantine=$GIT_QUARANTINE_PATH"
  if env -u GIT_QUARANTINE_PATH -u GIT_ALTERNATE_OBJECT_DIRECTORIES -u GIT_OBJECT_DIRECTORY git cat-file -e "$new" 2>/dev/null; then echo "main=present"; else echo "main=absent"; fi
  if git cat-file -e "$new"; then echo "quarantined=present"; else echo "quarantined=absent"; fi
done >>${JSON.stringify(log)}
`;
        writeFileSync(join(where, 'hooks', 'pre-receive'), probe);
        chmodSync(join(where, 'hooks', 'pre-receive'), 0o755);
      },
    });
    expect(existsSync(join(bare, 'hooks', 'pre-receive.lfk-chained'))).toBe(true);
    writeFileSync(log, '');
    git(repo, 'checkout', '-q', '-b', 'leak');
    const key = newKey();
    const added = commit(repo, 'leak', {
      'deploy.sh': `curl -H "Authorization: Bearer ${key}" https://api.example.com\n`,
    });
    const refused = await push(repo, ['origin', 'leak']);

    const seen = Object.fromEntries(
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split('=', 2) as [string, string]),
    );
    // Git names it `<repo>/./objects/tmp_objdir-incoming-XXXXXX`.
    expect(resolve(seen.quarantine ?? '')).toContain(join(bare, 'objects', 'tmp_objdir-incoming-'));
    expect(seen.main).toBe('absent');
    expect(seen.quarantined).toBe('present');
    // lfk ran after it, found the key only the quarantine held, and git dropped the quarantine.
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(`remote:   deploy.sh:1  ${redacted(key)}  (commit ${added.slice(0, 12)})`);
    expect(existsSync(seen.quarantine!)).toBe(false);
    expect(tryGit(bare, ['cat-file', '-e', added]).status).not.toBe(0);
  });

  it('without receive.advertisePushOptions, git itself refuses -o lfk.skip, and a key is still refused', async () => {
    const { bare, repo } = await serverAndClone({ pushOptions: false });
    git(repo, 'checkout', '-q', '-b', 'fixture');
    const key = newKey();
    commit(repo, 'fixture', { 'test/key.txt': `${key}\n` });
    const skip = await push(repo, ['-o', 'lfk.skip=x', 'origin', 'fixture']);
    expect(skip.status).not.toBe(0);
    expect(skip.stderr).toContain('the receiving end does not support push options');
    // Git stopped before sending anything: the hook never ran.
    expect(skip.stderr).not.toContain('remote: lfk:');
    const plain = await push(repo, ['origin', 'fixture']);
    expect(plain.status).not.toBe(0);
    expect(plain.stderr).toContain('remote: lfk: push refused: 1 Trust Leads API key');
    expect(plain.stderr).not.toContain(key);
    expect(headOf(bare, 'refs/heads/fixture')).toBe('');
  });

  it('refuses a push of 21 new branches whole when one brings a key; the 20 clean ones then pass', async () => {
    const { bare, repo } = await serverAndClone();
    const clean = Array.from({ length: 20 }, (_, index) => `topic-${String(index).padStart(2, '0')}`);
    for (const branch of clean) {
      git(repo, 'checkout', '-q', '-b', branch, 'main');
      commit(repo, branch, { [`src/${branch}.ts`]: `export const name = '${branch}';\n` });
    }
    git(repo, 'checkout', '-q', '-b', 'topic-bad', 'main');
    commit(repo, 'bad', { 'src/settings.json': `{ "apiKey": "${newKey()}" }\n` });

    const all = await push(repo, ['origin', ...clean, 'topic-bad']);
    expect(all.status).not.toBe(0);
    expect(all.stderr).toContain('remote: lfk: push refused: 1 Trust Leads API key');
    expect(all.stderr).toContain('remote:   src/settings.json:1');
    // pre-receive is all or nothing: not one of the 21 refs was created.
    expect(branchesOf(bare)).toEqual(['main']);

    const good = await push(repo, ['origin', ...clean]);
    expect(good.status, good.stderr).toBe(0);
    expect(branchesOf(bare).sort()).toEqual(['main', ...clean]);
  });
});
