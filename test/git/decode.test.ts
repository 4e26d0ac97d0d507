// Encoded keys (docs/scanner.md#encoded-text) in the git modes: every added line of history, the
// staged diff and a push, through PatchParser. Wrapped runs span added lines; findings point at the
// encoded run in the file as the commit stores it.
import { describe, expect, it } from 'vitest';
import { encodedCases, placeOf, type EncodedCase } from '../scanner/encoded-cases.js';
import { commit, newRepo, pushToNewOrigin, scanJson, scanPrePush, stage } from './repo.js';

/** Each case stored below a few lines the file already had, so line numbers come from the hunk. */
const OLD_LINES = '# first\n# second\n';

function expected(samples: readonly EncodedCase[], extra: Record<string, unknown> = {}) {
  return samples
    .map((sample) => {
      const { line, column } = placeOf(sample.text, sample.at);
      return { file: sample.file, line: line + 2, column, secret: sample.key, decoded: sample.decoded, ...extra };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

const found = (
  findings: ReadonlyArray<{
    file: string;
    line: number;
    column: number;
    secret: string;
    decoded?: string[];
    commit?: string;
  }>,
  withCommit = false,
) =>
  findings
    .map((f) => ({
      file: f.file,
      line: f.line,
      column: f.column,
      secret: f.secret,
      decoded: f.decoded,
      ...(withCommit && { commit: f.commit }),
    }))
    .sort((a, b) => a.file.localeCompare(b.file));

describe('encoded keys in the git modes', () => {
  const samples = encodedCases();

  function repoWithOldLines(): string {
    const repo = newRepo();
    commit(repo, 'start', Object.fromEntries(samples.map((sample) => [sample.file, OLD_LINES])));
    return repo;
  }

  /** Every case below the old lines, by file. */
  const withSamples = Object.fromEntries(samples.map((sample) => [sample.file, OLD_LINES + sample.text]));
  const commitSamples = (repo: string) => commit(repo, 'add settings', withSamples);

  it('--git: each key once, at its run, with the commit that added it', async () => {
    const repo = repoWithOldLines();
    const added = commitSamples(repo);
    commit(repo, 'take them out again', Object.fromEntries(samples.map((sample) => [sample.file, OLD_LINES])));
    const { run, report } = await scanJson(repo, ['--git']);
    expect(run.code).toBe(1);
    expect(found(report.findings, true)).toEqual(expected(samples, { commit: added }));
  });

  it('--staged: the staged diff', async () => {
    const repo = repoWithOldLines();
    stage(repo, withSamples);
    const { run, report } = await scanJson(repo, ['--staged']);
    expect(run.code).toBe(1);
    expect(found(report.findings)).toEqual(expected(samples));
    expect(run.stderr).toContain('commit blocked');
  });

  it('--pre-push: the commits being pushed', async () => {
    const repo = repoWithOldLines();
    const base = pushToNewOrigin(repo);
    const tip = commitSamples(repo);
    const { run, report } = await scanPrePush(repo, { tip, base });
    expect(run.code).toBe(1);
    expect(found(report.findings, true)).toEqual(expected(samples, { commit: tip }));
    expect(run.stderr).toContain('push blocked');
  });

  it('--max-decode-depth 0 turns decoding off in the git modes too', async () => {
    const repo = repoWithOldLines();
    commitSamples(repo);
    const { run, report } = await scanJson(repo, ['--git', '--max-decode-depth', '0']);
    expect(run.code).toBe(0);
    expect(report.findings).toEqual([]);
  });
});
