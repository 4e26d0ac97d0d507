// What GitHub's REST API answers about the commits of a real repository, made from it with git as
// GitHub makes it: `GET /repos/{owner}/{repo}/commits/{sha}` lists each file with the hunks of its
// patch (three lines of context, no git headers), a binary file without a patch; `GET …/git/blobs/
// {sha}` gives a blob in base64.
import { execFileSync } from 'node:child_process';
import { git } from '../git/repo.js';

export interface GithubFile {
  filename: string;
  status: 'added' | 'modified' | 'removed';
  sha: string | null;
  additions: number;
  patch?: string;
}

const STATUS = { A: 'added', M: 'modified', D: 'removed' } as const;

export function githubCommit(repo: string, sha: string): { sha: string; files: GithubFile[] } {
  const numstat = git(repo, 'diff-tree', '--root', '-r', '--no-commit-id', '--numstat', sha).split('\n');
  const statuses = git(repo, 'diff-tree', '--root', '-r', '--no-commit-id', '--name-status', sha).split('\n');
  const files = numstat.map((line, index): GithubFile => {
    const [added, , filename] = line.split('\t') as [string, string, string];
    const status = STATUS[statuses[index]!.split('\t')[0] as keyof typeof STATUS];
    const blob = status === 'removed' ? null : git(repo, 'rev-parse', `${sha}:${filename}`);
    // git says `-` for the lines of a binary file: GitHub shows no patch for it.
    if (added === '-') return { filename, status, sha: blob, additions: 0 };
    const diff = git(repo, 'diff-tree', '--root', '-p', '--no-commit-id', sha, '--', filename);
    return { filename, status, sha: blob, additions: Number(added), patch: diff.slice(diff.indexOf('\n@@') + 1) };
  });
  return { sha, files };
}

export function githubBlob(
  repo: string,
  sha: string,
): { sha: string; size: number; encoding: 'base64'; content: string } {
  const bytes = execFileSync('git', ['cat-file', 'blob', sha], { cwd: repo });
  return { sha, size: bytes.length, encoding: 'base64', content: bytes.toString('base64') };
}
