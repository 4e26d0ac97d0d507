// The GitHub push source alone: GitHub's `files[].patch` (hunks of one file, with context lines)
// read by the one diff parser, and the files it does not read.
import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../rules/load.js';
import { scanSource, type FilesResult } from '../../scanner/scan-files.js';
import { githubPushSources, type GithubPushFile } from '../../scanner/sources/github-push.js';
import { emptyStats } from '../../scanner/types.js';
import { createFinder } from '../../scanner/finder.js';
import { testKey } from './keys.js';

const SHA = 'c0ffee'.padEnd(40, '0');

async function scanPush(files: GithubPushFile['file'][], maxFileSize = 0) {
  const detector = createFinder(await loadRuleSet(undefined));
  const blobs: string[] = [];
  const options = {
    maxFileSize,
    prefilter: detector,
    readBlob: async (sha: string) => {
      blobs.push(sha);
      return Buffer.from('');
    },
  };
  const result: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  const outcomes = [];
  for (const source of githubPushSources(
    files.map((file) => ({ commit: SHA, file })),
    options,
  ))
    outcomes.push([source.file, (await scanSource(source, detector, result, options)).kind]);
  return {
    findings: result.findings.map((f) => [f.file, f.line, f.column, f.secret, f.commit?.commit]),
    stats: result.stats,
    outcomes,
    blobs,
  };
}

describe('GitHub push source', () => {
  const [k1, k2, k3] = [testKey('gh-1'), testKey('gh-2'), testKey('gh-3')];

  it('numbers added lines as the new file does: context lines count, removed lines and "\\ No newline" do not', async () => {
    const patch = [
      '@@ -1,4 +1,5 @@',
      ' one',
      `+a=${k1}`,
      '-two',
      `+b=${k2}`,
      ' three',
      '-four',
      '\\ No newline at end of file',
      `+four ${k3}`,
      '\\ No newline at end of file',
    ].join('\n');
    const { findings, stats, blobs } = await scanPush([
      { filename: 'src/a.txt', status: 'modified', sha: 'b', additions: 3, patch },
    ]);
    expect(findings).toEqual([
      ['src/a.txt', 2, 3, k1, SHA],
      ['src/a.txt', 3, 3, k2, SHA],
      ['src/a.txt', 5, 6, k3, SHA],
    ]);
    expect(stats).toMatchObject({ files: 1, binary: 0, skipped: 0 });
    expect(blobs).toEqual([]);
  });

  it('gives removed and path-allowlisted files no source, and reads a cut patch from its blob', async () => {
    const { outcomes, blobs } = await scanPush([
      { filename: 'gone.txt', status: 'removed', sha: null, additions: 0 },
      { filename: 'package-lock.json', status: 'modified', sha: 'l', additions: 1, patch: `@@ -1 +1 @@\n+${k1}` },
      { filename: 'logo.png', status: 'added', sha: 'p', additions: 0 },
      { filename: 'cut.txt', status: 'added', sha: 'cut', additions: 900, patch: '@@ -0,0 +1,900 @@\n+1' },
    ]);
    expect(outcomes).toEqual([['cut.txt', 'text']]);
    expect(blobs).toEqual(['cut']);
  });

  it('drops the rest of a patch past the size limit, as for a git patch', async () => {
    const patch = `@@ -0,0 +1,3 @@\n+${k1}\n+${'p'.repeat(100)}\n+${k2}`;
    const { findings, outcomes, stats } = await scanPush(
      [{ filename: 'm', status: 'added', sha: 'm', additions: 3, patch }],
      80,
    );
    expect(findings.map((f) => f[3])).toEqual([k1]);
    expect(outcomes).toEqual([['m', 'too-large']]);
    expect(stats.skipped).toBe(1);
  });
});
