// `push` (docs/github-app.md#2-install-it): scan what the push changed as the installation, with
// the scanner's GitHub push source, report the keys found to the key service in one batch, and
// report the `lfk` check run on the head commit with one annotation per finding.
import { PermanentError } from '../../platform/queue/queue-worker.js';
import { reportExposures } from '../../scanner/report-exposures.js';
import { scanSource, type FilesResult } from '../../scanner/scan-files.js';
import { DEFAULT_MAX_FILE_SIZE } from '../../scanner/sources/file-fragments.js';
import { githubPushSources } from '../../scanner/sources/github-push.js';
import { DEFAULT_ARCHIVE_OPTIONS } from '../../scanner/unpack/scan-archive.js';
import { emptyStats, type SourceOutcome } from '../../scanner/types.js';
import type { FoundKey } from '../redact-payload.js';
import { ownerOf, type PushPayload } from '../github/payloads.js';
import { blobReader, listPushedFiles, ZERO_SHA, type PushRef } from '../github/push-files.js';
import type { HandlerDeps } from './deps.js';
import { installationIsGone } from './on-installation.js';
import { reportCheckRun } from './check-run.js';
import { revokeFoundInGithub } from './github-exposures.js';

export async function onPush(payload: PushPayload, keysInPayload: FoundKey[], deps: HandlerDeps): Promise<unknown> {
  const installationId = payload.installation.id;
  if (await installationIsGone(deps.store, installationId))
    return { skipped: `installation ${installationId} was removed or suspended` };
  if (!deps.github) throw new PermanentError('LFK_GITHUB_APP_ID and LFK_GITHUB_PRIVATE_KEY are not set');
  const owner = ownerOf(payload.repository);
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
  // Keys in commit messages (found when the delivery was stored, kept as hashes only): their own
  // place, so their own report.
  const messageSource = {
    kind: 'github' as const,
    ...linkTo(payload.compare ?? payload.repository.html_url),
    location: `${payload.repository.full_name}: commit message on ${payload.ref}`,
  };
  const messageKeys = keysInPayload.map((key) => ({ sha256: key.sha256, source: messageSource }));
  if (messageKeys.length > 0) await deps.reporter.revokeBySha256(messageKeys, 'exposed:github-app');
  if (push.deleted) return { ref: payload.ref, deleted: true, message_keys: messageKeys.length };

  const octokit = deps.github.forInstallation(installationId);
  const listed = await listPushedFiles(octokit, push);
  const { finder, revocable } = deps.rules();
  const options = {
    maxFileSize: DEFAULT_MAX_FILE_SIZE,
    archives: DEFAULT_ARCHIVE_OPTIONS,
    prefilter: finder,
    readBlob: blobReader(octokit, push),
  };
  const scanned: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  const notScanned: string[] = [];
  for (const source of githubPushSources(listed.files, options)) {
    const outcome = await scanSource(source, finder, scanned, options);
    if (outcome.kind === 'too-large' || outcome.kind === 'unreadable')
      notScanned.push(`${source.file} (${whyNotScanned(outcome)})`);
  }

  const outcomes = await reportExposures(scanned.findings, revocable, (batch) =>
    revokeFoundInGithub(
      deps,
      {
        fullName: payload.repository.full_name,
        htmlUrl: payload.repository.html_url,
        defaultCommit: payload.after,
        fallbackUrl: payload.compare,
      },
      batch,
    ),
  );
  const checkRunId = await reportCheckRun(
    octokit,
    { owner: push.owner, repo: push.repo, headSha: push.after, scope: 'push' },
    scanned.findings,
    notScanned,
    deps.now(),
  );
  return {
    ref: payload.ref,
    via: listed.via,
    files: scanned.stats.files,
    binary: scanned.stats.binary,
    skipped: notScanned.length,
    findings: scanned.findings.length,
    revoked: [...outcomes.values()].filter((outcome) => outcome === 'revoked').length,
    message_keys: messageKeys.length,
    check_run_id: checkRunId,
  };
}

function linkTo(url: string | undefined): { url?: string } {
  return url ? { url } : {};
}

/** Binary files are searched as bytes and archives are opened: only these are left unread. */
function whyNotScanned(outcome: Extract<SourceOutcome, { kind: 'too-large' | 'unreadable' }>): string {
  return outcome.kind === 'too-large' ? `larger than ${DEFAULT_MAX_FILE_SIZE} bytes` : outcome.reason;
}
