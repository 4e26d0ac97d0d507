// A stored partner-program batch (SPEC §4.1): revoke the lfk keys GitHub found in public.
import type { ReportStatus } from '../../key-service/exposure-reporter.js';
import type { PartnerDelivery } from '../deliveries.js';
import type { HandlerDeps } from './deps.js';

export async function onPartnerBatch(delivery: PartnerDelivery, deps: HandlerDeps): Promise<unknown> {
  // Each key with its own place, so its audit trail says where GitHub found it; one call for all.
  const statuses: ReportStatus[] = await deps.reporter.revokeBySha256(
    delivery.matches.map((match) => ({
      sha256: match.sha256,
      source: { kind: 'github', ...(match.url && { url: match.url }), location: `GitHub secret scanning (${match.source.toLowerCase()})` },
    })),
    'exposed:github-partner',
  );
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return { matches: delivery.matches.length, ...counts };
}
