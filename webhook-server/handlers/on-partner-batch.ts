// A stored partner-program batch (SPEC §4.1): revoke the lfk keys GitHub found in public.
import type { ReportStatus } from '../../key-service/exposure-reporter.js';
import type { PartnerDelivery } from '../deliveries.js';
import type { HandlerDeps } from './deps.js';

export async function onPartnerBatch(delivery: PartnerDelivery, deps: HandlerDeps): Promise<unknown> {
  // One report per place (url + source), so each key's audit trail says where it was found.
  const byPlace = new Map<string, PartnerDelivery['matches']>();
  for (const match of delivery.matches) {
    const place = `${match.url}\n${match.source}`;
    byPlace.set(place, [...(byPlace.get(place) ?? []), match]);
  }
  const counts: Record<string, number> = {};
  for (const matches of byPlace.values()) {
    const { url, source } = matches[0]!;
    const statuses: ReportStatus[] = await deps.reporter.revokeBySha256(
      matches.map((match) => match.sha256),
      { source: { kind: 'github', ...(url && { url }), location: `GitHub secret scanning (${source.toLowerCase()})` }, reason: 'exposed:github-partner' },
    );
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  }
  return { matches: delivery.matches.length, ...counts };
}
