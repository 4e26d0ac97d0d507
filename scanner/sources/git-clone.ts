// A repository fetched for a history scan (docs/github-app.md, docs/git.md#remote-repositories):
// `git clone --mirror` into a temporary folder that is removed whatever happens. Credentials travel
// as an HTTP header scoped to the repository's origin, in git's environment settings
// (git-command.ts), never on a command line, in the URL git prints, or in a log. Only HTTPS is
// allowed, and plain HTTP to this machine (tests).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnGit } from './git-command.js';
import { GitError } from './git.js';

export interface CloneAuth {
  username: string;
  password: string;
}

export interface MirrorOptions {
  auth?: CloneAuth;
  /** Git's progress lines (`Receiving objects: 42%`), for a terminal. */
  onProgress?: (line: string) => void;
  /** Stops the clone (a shutdown, a lease lost). */
  signal?: AbortSignal;
}

/**
 * Clones `url` as a bare mirror and runs `work` on its folder, then removes the folder, also when
 * the clone or the work fails.
 */
export async function withMirror<T>(
  url: string,
  options: MirrorOptions,
  work: (gitDir: string) => Promise<T>,
): Promise<T> {
  const target = cloneTarget(url);
  const parent = mkdtempSync(join(tmpdir(), 'lfk-clone-'));
  try {
    const gitDir = join(parent, 'repo.git');
    await cloneMirror(target, gitDir, options);
    return await work(gitDir);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

/** The URL to clone, checked: https anywhere, http only to loopback, no credentials in it. */
export function cloneTarget(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GitError(`not a repository URL: "${url}" (https://host/owner/repo.git)`);
  }
  if (parsed.username || parsed.password)
    throw new GitError('put no credentials in the repository URL: set GITHUB_TOKEN (or the App does it for itself)');
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new GitError(
      `only https:// repositories can be cloned (plain http only on this machine), not ${parsed.protocol}//${parsed.host}`,
    );
  }
  return parsed;
}

async function cloneMirror(url: URL, gitDir: string, options: MirrorOptions): Promise<void> {
  const network = url.protocol === 'https:' ? 'https' : 'http-loopback';
  const config: Array<readonly [string, string]> = [];
  if (options.auth) {
    // Scoped to the origin: a redirect to another host does not get the header.
    const basic = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64');
    config.push([`http.${url.origin}/.extraHeader`, `Authorization: Basic ${basic}`]);
  }
  const child = spawnGit(tmpdir(), ['clone', '--mirror', '--no-hardlinks', '--progress', '--', url.href, gitDir], {
    network,
    config,
  });
  child.stdin.end();
  const abort = () => child.kill();
  options.signal?.addEventListener('abort', abort, { once: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 16 << 10) stderr += text;
    if (options.onProgress)
      for (const line of text.split(/[\r\n]+/)) if (line.trim() !== '') options.onProgress(line.trim());
  });
  child.stdout.resume();
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (error) => reject(new GitError(`cannot run git: ${error.message}`)));
    child.on('close', (status, signal) => resolve(status ?? (signal ? 128 : 0)));
  });
  options.signal?.removeEventListener('abort', abort);
  if (code !== 0) {
    const reason = stderr
      .split(/[\r\n]+/)
      .filter((line) => /^(fatal|error|remote):/.test(line.trim()))
      .join(' ')
      .slice(0, 500);
    throw new GitError(`git clone ${url.origin}${url.pathname} failed: ${reason || `exit ${code}`}`);
  }
}
