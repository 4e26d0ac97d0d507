// POST /webhooks/github/secret-scanning (SPEC §4.1): verify, store, answer the feedback array.
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { ExposureReporter } from '../../key-service/exposure-reporter.js';
import { displayOf, isWellFormedKey, redactKeys, sha256Hex } from '../../key-service/key-format.js';
import { errorFields } from '../../key-service/logger.js';
import type { PartnerDelivery } from '../deliveries.js';
import {
  isPlausibleKeyIdentifier,
  isPlausiblePartnerSignature,
  matchesPartnerSignature,
  partnerVerifier,
  PublicKeysUnavailable,
  type PartnerKeyCache,
} from '../verify-github-partner.js';
import { errorResponse, isObject, parseJson, readSignedBody, refuse, tooLarge, type ReceiverDeps } from './shared.js';
import { storeDelivery } from '../inbox.js';

export const MAX_PARTNER_MATCHES = 1000;
// 1000 matches with long URLs can pass 1 MiB; the match count is the real limit.
export const MAX_PARTNER_BODY_BYTES = 8 * 1024 * 1024;

const BAD_SIGNATURE = 'The signature does not match the body.';

export interface PartnerDeps extends ReceiverDeps {
  keys: PartnerKeyCache;
  reporter: ExposureReporter;
}

interface Match {
  token: string;
  type: string;
  url: string;
  source: string;
}

type Feedback = { token_raw: string; token_type: string; label: 'true_positive' } | { token_hash: string; token_type: string; label: 'false_positive' };

export function githubPartnerReceiver(deps: PartnerDeps) {
  return async (c: Context): Promise<Response> => {
    // Everything known from the headers (their shape, the size, the key) is settled before a byte
    // of the body is read.
    const identifier = c.req.header('github-public-key-identifier');
    const signature = c.req.header('github-public-key-signature');
    if (!identifier || !signature) return refuse(c, 'invalid_signature', 'Github-Public-Key-Identifier and Github-Public-Key-Signature are required.');
    if (!isPlausibleKeyIdentifier(identifier) || !isPlausiblePartnerSignature(signature)) return refuse(c, 'invalid_signature', BAD_SIGNATURE);
    if (Number(c.req.header('content-length') ?? '0') > MAX_PARTNER_BODY_BYTES) return tooLarge(c, MAX_PARTNER_BODY_BYTES);
    let key;
    try {
      key = await deps.keys.keyFor(identifier);
    } catch (error) {
      if (!(error instanceof PublicKeysUnavailable)) throw error;
      deps.logger.warn('GitHub public keys unavailable', errorFields(error));
      return refuse(c, 'service_unavailable', "GitHub's signing keys cannot be fetched right now; retry shortly.", { 'Retry-After': '30' });
    }
    if (!key) return refuse(c, 'invalid_signature', BAD_SIGNATURE);
    const verifier = partnerVerifier();
    const body = await readSignedBody(c, MAX_PARTNER_BODY_BYTES, deps.bodies, {
      update: (chunk) => verifier.update(chunk),
      verify: () => (matchesPartnerSignature(verifier, signature, key) ? null : errorResponse(c, 'invalid_signature', BAD_SIGNATURE)),
    });
    if (body instanceof Response) return body;

    const parsed = parseJson(body.toString('utf8'));
    if (!parsed.ok) return errorResponse(c, 'invalid_json', parsed.message);
    if (!Array.isArray(parsed.value)) return errorResponse(c, 'invalid_request', 'The body must be a JSON array of matches.');
    // 413, not 400: the batch is well-formed but larger than we take in one request; the sender
    // can split it. (GitHub documents no batch limit; 1000 matches is lfk's, as for /v1/exposures.)
    if (parsed.value.length > MAX_PARTNER_MATCHES) {
      return errorResponse(c, 'payload_too_large', `At most ${MAX_PARTNER_MATCHES} matches per request (got ${parsed.value.length}).`);
    }
    const matches: Match[] = [];
    for (const [index, item] of parsed.value.entries()) {
      if (!isObject(item) || typeof item.token !== 'string' || typeof item.type !== 'string') {
        return errorResponse(c, 'invalid_request', `Match ${index}: "token" and "type" must be strings.`);
      }
      matches.push({
        token: item.token,
        type: item.type,
        url: typeof item.url === 'string' ? item.url : '',
        source: typeof item.source === 'string' ? item.source : 'unknown',
      });
    }

    const wellFormed = matches.filter((match) => isWellFormedKey(match.token));
    const stored: PartnerDelivery = {
      matches: wellFormed.map((match) => ({
        sha256: sha256Hex(match.token),
        display: displayOf(match.token),
        // Free text from the sender: a key pasted in it must not be stored (found by test/fuzz/webhooks.test.ts).
        type: redactKeys(match.type),
        url: redactKeys(match.url),
        source: redactKeys(match.source),
      })),
    };
    const bodyHash = createHash('sha256').update(body).digest('hex');
    const delivery = await storeDelivery(deps.store, {
      provider: 'github-partner',
      event: 'secret_scanning',
      dedupKey: `github-partner:${bodyHash}`,
      payload: JSON.stringify(stored),
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
