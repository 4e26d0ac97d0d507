// `push` (SPEC §4.2): scan the added lines as the installation, revoke live keys, and report the
// `lfk` check run on the head commit with one annotation per finding.
import { displayOf, sha256Hex } from '../../key-service/key-format.js';
import { PermanentError } from '../../key-service/queue-worker.js';
import type { ReportStatus } from '../../key-service/exposure-reporter.js';
import type { Finding } from '../../scanner/types.js';
import type { FoundKey } from '../redact-payload.js';
import { classifyGithubError, type InstallationOctokit } from '../github/client.js';
import { fetchPushedText, ZERO_SHA, type PushRef } from '../github/push-files.js';
import type { HandlerDeps } from './deps.js';
import { installationIsGone } from './on-installation.js';

export const ANNOTATIONS_PER_REQUEST = 50;

export interface PushPayload {
  ref: string;
  before: string;
  after: string;
  created?: boolean;
  deleted?: boolean;
  forced?: boolean;
  compare?: string;
  commits?: Array<{ id: string; distinct?: boolean }>;
  repository: { name: string; full_name: string; html_url?: string; owner: { login?: string; name?: string } };
  installation: { id: number };
}

interface KeyFinding {
  finding: Finding;
  status: ReportStatus | 'failed';
}

export async function onPush(payload: PushPayload, keysInPayload: FoundKey[], deps: HandlerDeps): Promise<unknown> {
  const installationId = payload.installation.id;
  if (await installationIsGone(deps.store, installationId)) return { skipped: `installation ${installationId} was removed or suspended` };
  if (!deps.github) throw new PermanentError('LFK_GITHUB_APP_ID and LFK_GITHUB_PRIVATE_KEY are not set');
  const owner = payload.repository.owner.login ?? payload.repository.owner.name ?? payload.repository.full_name.split('/')[0]!;
  const push: PushRef = {
    owner,
    repo: payload.repository.name,
    before: payload.before,
    after: payload.after,
    created: payload.created ?? payload.before === ZERO_SHA,
    deleted: payload.deleted ?? payload.after === ZERO_SHA,
    forced: payload.forced ?? false,
    commits: (payload.commits ?? []).filter((commit) => commit.distinct !== false).map((commit) => commit.id),
  };
  // Keys in commit messages (found when the delivery was stored, kept as hashes only).
  const messageRevocations = await revokeEach(deps, keysInPayload.map((key) => key.sha256), () => ({
    url: payload.compare ?? payload.repository.html_url,
    location: `${payload.repository.full_name}: commit message on ${payload.ref}`,
  }));
  if (push.deleted) return { ref: payload.ref, deleted: true, message_keys: messageRevocations.length };

  const octokit = deps.github.forInstallation(installationId);
  const input = await fetchPushedText(octokit, push);
  const { detector, revocable } = deps.rules();
  const findings: Finding[] = [];
  for (const piece of input.pieces) {
    findings.push(...detector.detect({ text: piece.text, file: piece.path, startLine: piece.startLine, commit: { commit: piece.commit } }));
  }

  // One report per distinct key, at the first place it was found.
  const firstBySecret = new Map<string, Finding>();
  for (const finding of findings) {
    if (finding.checksum === 'valid' && revocable.has(finding.ruleId) && !firstBySecret.has(finding.secret)) firstBySecret.set(finding.secret, finding);
  }
  const statusBySecret = new Map<string, ReportStatus | 'failed'>();
  for (const [secret, first] of firstBySecret) {
    const [status] = await revokeEach(deps, [sha256Hex(secret)], () => ({
      url: payload.repository.html_url ? `${payload.repository.html_url}/blob/${first.commit?.commit ?? push.after}/${first.file}#L${first.line}` : undefined,
      location: `${payload.repository.full_name}:${first.file}:${first.line} (${(first.commit?.commit ?? push.after).slice(0, 7)})`,
    }));
    statusBySecret.set(secret, status ?? 'failed');
  }
  const keyFindings: KeyFinding[] = findings.map((finding) => ({ finding, status: statusBySecret.get(finding.secret) ?? 'unknown' }));
  const checkRunId = await reportCheckRun(octokit, push, keyFindings, input.skipped, deps.now());
  return {
    ref: payload.ref,
    via: input.via,
    pieces: input.pieces.length,
    skipped: input.skipped.length,
    findings: findings.length,
    revoked: [...statusBySecret.values()].filter((status) => status === 'revoked').length,
    message_keys: messageRevocations.length,
    check_run_id: checkRunId,
  };
}

async function revokeEach(
  deps: HandlerDeps,
  sha256s: string[],
  where: () => { url: string | undefined; location: string },
): Promise<ReportStatus[]> {
  if (sha256s.length === 0) return [];
  const { url, location } = where();
  const source = { kind: 'github' as const, ...(url && { url }), location };
  return deps.reporter.revokeBySha256(
    sha256s.map((sha256) => ({ sha256, source })),
    'exposed:github-app',
  );
}

const STATUS_TEXT: Record<KeyFinding['status'], string> = {
  revoked: 'lfk revoked it just now',
  already_revoked: 'it was already revoked',
  unknown: 'lfk did not issue it (or it is not a live key)',
  invalid: 'it is not a valid lfk key',
  failed: 'revoking it failed; revoke it on the API Keys page',
};

async function reportCheckRun(octokit: InstallationOctokit, push: PushRef, found: KeyFinding[], skipped: string[], now: Date): Promise<number> {
  const keys = new Set(found.map((item) => item.finding.secret)).size;
  const title = keys === 0 ? 'No Trust Leads API keys found' : `${keys} Trust Leads API key${keys === 1 ? '' : 's'} found`;
  const lines = found.slice(0, 200).map(({ finding, status }) => `- \`${displayOf(finding.secret)}\` in \`${finding.file}\` line ${finding.line}: ${STATUS_TEXT[status]}`);
  const summary = [
    keys === 0 ? 'lfk scanned the lines this push added and found no Trust Leads API keys.' : 'Keys committed to a repository must be treated as leaked.',
    ...lines,
    found.length > lines.length ? `- … and ${found.length - lines.length} more` : '',
    skipped.length > 0 ? `\nNot scanned: ${skipped.slice(0, 20).join(', ')}${skipped.length > 20 ? ', …' : ''}` : '',
  ]
    .filter(Boolean)
    .join('\n')
    .slice(0, 65_000);
  const annotations = found.map(({ finding, status }) => ({
    path: finding.file,
    start_line: finding.line,
    end_line: finding.endLine,
    ...(finding.line === finding.endLine && { start_column: finding.column, end_column: finding.endColumn }),
    annotation_level: 'failure' as const,
    title: 'Trust Leads API key',
    message: `${displayOf(finding.secret)} was committed here: ${STATUS_TEXT[status]}. Create a new key and keep it out of the repository.`,
  }));
  const output = (batch: typeof annotations) => ({ title, summary, annotations: batch });
  try {
    const { data } = await octokit.rest.checks.create({
      owner: push.owner,
      repo: push.repo,
      name: 'lfk',
      head_sha: push.after,
      status: 'completed',
      conclusion: keys > 0 ? 'failure' : 'success',
      completed_at: now.toISOString(),
      output: output(annotations.slice(0, ANNOTATIONS_PER_REQUEST)),
    });
    // GitHub takes 50 annotations a request; each update appends the next 50.
    for (let start = ANNOTATIONS_PER_REQUEST; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) {
      await octokit.rest.checks.update({
        owner: push.owner,
        repo: push.repo,
        check_run_id: data.id,
        output: output(annotations.slice(start, start + ANNOTATIONS_PER_REQUEST)),
      });
    }
    return data.id;
  } catch (error) {
    return classifyGithubError(error, 'the lfk check run');
  }
}
