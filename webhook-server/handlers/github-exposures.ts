// A batch of keys found in a GitHub repository (a push, a history scan) to the key service in one
// call, each with where it leaked: the blob URL at its first finding's line and its place, so each
// key's exposure records its own file (the in-process reporter takes them in one call; over HTTP,
// keys with the same source share a request).
import { sha256Hex } from '../../platform/key-format.js';
import type { FoundHash } from '../../key-service/exposure-reporter.js';
import { revocationOf, type ExposureBatch } from '../../scanner/report-exposures.js';
import { blobUrl } from '../../scanner/report/blob-url.js';
import type { RevocationOutcome } from '../../scanner/types.js';
import type { HandlerDeps } from './deps.js';

export interface GithubRepositoryRef {
  /** `owner/name`. */
  fullName: string;
  /** `https://github.com/owner/name`, when known. */
  htmlUrl: string | undefined;
  /** The commit a finding without one is shown at (a push's head). */
  defaultCommit: string;
  /** Linked when no finding gives a place (a compare URL). */
  fallbackUrl?: string | undefined;
}

export async function revokeFoundInGithub(
  deps: HandlerDeps,
  repository: GithubRepositoryRef,
  batch: ExposureBatch,
): Promise<RevocationOutcome[]> {
  const found: FoundHash[] = batch.keys.map((key) => {
    const first = batch.findings.find((finding) => finding.secret === key);
    const commit = first?.commit?.commit ?? repository.defaultCommit;
    const url =
      first && repository.htmlUrl
        ? blobUrl(repository.htmlUrl, commit, first)
        : (repository.fallbackUrl ?? repository.htmlUrl);
    const place = first ? `${first.file}:${first.line} (${commit.slice(0, 7)})` : batch.location;
    return {
      sha256: sha256Hex(key),
      source: { kind: 'github' as const, ...(url && { url }), location: `${repository.fullName}:${place}` },
    };
  });
  return (await deps.reporter.revokeBySha256(found, 'exposed:github-app')).map(revocationOf);
}
