// The check runs lfk writes: `lfk` on a push's head commit (failure when a key was found) and `lfk
// history` on the default branch's head after an installation's history scan (failure when a live
// key was found; keys already revoked are listed as revoked, as notices). One annotation per
// finding, 50 per request as GitHub takes them.
import { displayOf } from '../../platform/key-format.js';
import type { Finding, RevocationOutcome } from '../../scanner/types.js';
import { classifyGithubError, type InstallationOctokit } from '../github/client.js';

/** Where a check run goes and what it sums up. */
export interface CheckTarget {
  owner: string;
  repo: string;
  headSha: string;
  /** `push`: the lines a push added, any key fails; `history`: every ref's history, live keys fail. */
  scope: 'push' | 'history';
}

const NAMES = { push: 'lfk', history: 'lfk history' } as const;
const SCANNED = { push: 'the lines this push added', history: "every branch's and tag's history" } as const;

const ANNOTATIONS_PER_REQUEST = 50;

const STATUS_TEXT: Record<RevocationOutcome, string> = {
  revoked: 'lfk revoked it just now',
  already_revoked: 'it was already revoked',
  unknown: 'lfk did not issue it (or it is not a live key)',
  failed: 'revoking it failed; revoke it on the API Keys page',
};

/** Reports the check run; `notScanned` names the files skipped and why. Returns its id. */
export async function reportCheckRun(
  octokit: InstallationOctokit,
  target: CheckTarget,
  findings: Finding[],
  notScanned: string[],
  now: Date,
): Promise<number> {
  const keys = new Set(findings.map((finding) => finding.secret)).size;
  // What was already revoked is no danger now: in a history scan it is a notice, not a failure.
  const isLive = (finding: Finding) => finding.revocation === 'revoked' || finding.revocation === 'failed';
  const fails = (finding: Finding) => target.scope === 'push' || isLive(finding);
  const status = (finding: Finding) => STATUS_TEXT[finding.revocation ?? 'unknown'];
  const title =
    keys === 0 ? 'No Trust Leads API keys found' : `${keys} Trust Leads API key${keys === 1 ? '' : 's'} found`;
  const lines = findings
    .slice(0, 200)
    .map(
      (finding) => `- \`${displayOf(finding.secret)}\` in \`${finding.file}\` line ${finding.line}: ${status(finding)}`,
    );
  const summary = [
    keys === 0
      ? `lfk scanned ${SCANNED[target.scope]} and found no Trust Leads API keys.`
      : 'Keys committed to a repository must be treated as leaked.',
    ...lines,
    findings.length > lines.length ? `- … and ${findings.length - lines.length} more` : '',
    notScanned.length > 0
      ? `\nNot scanned: ${notScanned.slice(0, 20).join(', ')}${notScanned.length > 20 ? ', …' : ''}`
      : '',
  ]
    .filter(Boolean)
    .join('\n')
    .slice(0, 65_000);
  const annotations = findings.map((finding) => ({
    ...annotationPlace(finding),
    annotation_level: fails(finding) ? ('failure' as const) : ('notice' as const),
    title: 'Trust Leads API key',
    message: `${displayOf(finding.secret)} was committed here${innerPlace(finding)}: ${status(finding)}. Create a new key and keep it out of the repository.`,
  }));
  const output = (batch: typeof annotations) => ({ title, summary, annotations: batch });
  try {
    const { data } = await octokit.rest.checks.create({
      owner: target.owner,
      repo: target.repo,
      name: NAMES[target.scope],
      head_sha: target.headSha,
      status: 'completed',
      conclusion: findings.some(fails) ? 'failure' : 'success',
      completed_at: now.toISOString(),
      output: output(annotations.slice(0, ANNOTATIONS_PER_REQUEST)),
    });
    // Each update appends the next 50.
    for (let start = ANNOTATIONS_PER_REQUEST; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) {
      await octokit.rest.checks.update({
        owner: target.owner,
        repo: target.repo,
        check_run_id: data.id,
        output: output(annotations.slice(start, start + ANNOTATIONS_PER_REQUEST)),
      });
    }
    return data.id;
  } catch (error) {
    return classifyGithubError(error, `the ${NAMES[target.scope]} check run`);
  }
}

/**
 * GitHub places an annotation on a file of the repository, by its text lines: a key inside an
 * archive goes on the archive, and one in a binary file (placed in bytes) on its first line.
 */
function annotationPlace(finding: Finding): {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
} {
  if (finding.archive !== undefined || finding.binary)
    return { path: finding.archive ?? finding.file, start_line: 1, end_line: 1 };
  return {
    path: finding.file,
    start_line: finding.line,
    end_line: finding.endLine,
    ...(finding.line === finding.endLine && { start_column: finding.column, end_column: finding.endColumn }),
  };
}

/** Where the key is when the annotation cannot show it: the `!` path, and bytes for a binary file. */
function innerPlace(finding: Finding): string {
  const place = `line ${finding.line}, column ${finding.column}${finding.binary ? ' counted in bytes' : ''}`;
  if (finding.archive !== undefined) return ` (in ${finding.file}, ${place})`;
  return finding.binary ? ` (${place})` : '';
}
