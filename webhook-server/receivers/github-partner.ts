// POST /webhooks/github/secret-scanning (docs/github-app.md#3-enrol-the-partner-endpoint): verify,
// store, answer the feedback array.
import type { Context } from 'hono';
import type { ExposureReporter } from '../../key-service/exposure-reporter.js';
import { isWellFormedKey, sha256Hex } from '../../platform/key-format.js';
import { errorFields } from '../../platform/logger.js';
import { storeDelivery } from '../inbox.js';
import type { PartnerKeyCache } from '../verify-partner.js';
import { readPartnerBatch, storedMatches } from './partner-batch.js';
import type { ReceiverDeps } from './shared.js';

export { MAX_PARTNER_BODY_BYTES, MAX_PARTNER_MATCHES } from './partner-batch.js';

export interface PartnerDeps extends ReceiverDeps {
  keys: PartnerKeyCache;
  reporter: ExposureReporter;
}

type Feedback =
  | { token_raw: string; token_type: string; label: 'true_positive' }
  | { token_hash: string; token_type: string; label: 'false_positive' };

export function githubPartnerReceiver(deps: PartnerDeps) {
  return async (c: Context): Promise<Response> => {
    const batch = await readPartnerBatch(c, deps, { issuer: 'GitHub', keys: deps.keys, defaultSource: 'unknown' });
    if (batch instanceof Response) return batch;
    const { matches } = batch;
    const wellFormed = matches.filter((match) => isWellFormedKey(match.token));
    const delivery = await storeDelivery(deps.store, {
      provider: 'github-partner',
      event: 'secret_scanning',
      dedupKey: `github-partner:${batch.bodyHash}`,
      payload: JSON.stringify(storedMatches(matches)),
    });

    // Which keys lfk issued: asked after storing, so an outage here cannot lose the delivery, and
    // before waking the worker, so the answer does not queue behind the revocations.
    let issued = new Map<string, boolean>();
    try {
      const answers = await deps.reporter.issued(wellFormed.map((match) => match.token));
      issued = new Map(wellFormed.map((match, index) => [match.token, answers[index] ?? false]));
    } catch (error) {
      deps.logger.warn('cannot tell which partner tokens lfk issued; feedback left out for them', errorFields(error));
    }
    if (!delivery.duplicate) deps.onStored();
    const feedback: Feedback[] = [];
    for (const match of matches) {
      const ours = isWellFormedKey(match.token) ? issued.get(match.token) : false;
      if (ours === undefined) continue;
      feedback.push(
        ours
          ? { token_raw: match.token, token_type: match.type, label: 'true_positive' }
          : { token_hash: sha256Hex(match.token), token_type: match.type, label: 'false_positive' },
      );
    }
    deps.logger.info('webhook delivery accepted', {
      provider: 'github-partner',
      delivery: delivery.id,
      duplicate: delivery.duplicate,
      matches: matches.length,
      lfk_keys: wellFormed.length,
    });
    return c.json(feedback, 200);
  };
}
