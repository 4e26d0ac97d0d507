// A stored partner batch: the lfk keys GitHub's partner program (docs/github-app.md) or GitLab (its
// partner program or a Self-Managed instance's Token Revocation API, docs/webhooks.md#gitlab)
// found, revoked in one call.
import type { WebhookSource } from '../../key-service/exposure-reporter.js';
import type { ExposedReason, ExposureStatus } from '../../platform/vocabulary.js';
import type { PartnerDelivery } from '../deliveries.js';
import type { HandlerDeps } from './deps.js';

const PROGRAMS = {
  'github-partner': {
    reason: 'exposed:github-partner',
    kind: 'github',
    location: (source: string) => `GitHub secret scanning (${source.toLowerCase()})`,
  },
  gitlab: {
    reason: 'exposed:gitlab',
    kind: 'gitlab',
    location: (source: string) => `GitLab secret detection (${source})`,
  },
} as const satisfies Record<
  string,
  { reason: ExposedReason; kind: WebhookSource['kind']; location(source: string): string }
>;

export async function onPartnerBatch(
  delivery: PartnerDelivery,
  program: keyof typeof PROGRAMS,
  deps: HandlerDeps,
): Promise<unknown> {
  const { reason, kind, location } = PROGRAMS[program];
  // Each key with its own place, so its audit trail says where it was found; one call for all.
  const statuses: ExposureStatus[] = await deps.reporter.revokeBySha256(
    delivery.matches.map((match) => ({
      sha256: match.sha256,
      source: { kind, ...(match.url && { url: match.url }), location: location(match.source) },
    })),
    reason,
  );
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return { matches: delivery.matches.length, ...counts };
}
