// What GitHub's and GitLab's partner programs share (docs/reference/github.md §1, gitlab.md §1): a
// JSON array of `{token, type, url}` signed with ECDSA in `<Issuer>-Public-Key-Identifier` /
// `<Issuer>-Public-Key-Signature`. This reads and checks one; each receiver answers its own way.
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { displayOf, isWellFormedKey, redactKeys, sha256Hex } from '../../platform/key-format.js';
import { MAX_KEYS_PER_REPORT } from '../../platform/limits/fields.js';
import { errorFields } from '../../platform/logger.js';
import type { PartnerDelivery } from '../deliveries.js';
import {
  isPlausibleKeyIdentifier,
  isPlausiblePartnerSignature,
  matchesPartnerSignature,
  partnerVerifier,
  PublicKeysUnavailable,
  type PartnerKeyCache,
} from '../verify-partner.js';
import { errorResponse, isObject, parseJson, readSignedBody, refuse, tooLarge, type ReceiverDeps } from './shared.js';

export const MAX_PARTNER_MATCHES = MAX_KEYS_PER_REPORT;
// 1000 matches with long URLs can pass 1 MiB; the match count is the real limit.
export const MAX_PARTNER_BODY_BYTES = 8 * 1024 * 1024;

const BAD_SIGNATURE = 'The signature does not match the body.';

export interface PartnerMatch {
  token: string;
  type: string;
  url: string;
  source: string;
}

export interface SignedBatch {
  matches: PartnerMatch[];
  /** SHA-256 of the raw body: a batch sent again is the same delivery. */
  bodyHash: string;
}

export interface BatchReading {
  issuer: 'GitHub' | 'GitLab';
  keys: PartnerKeyCache;
  /** `source` of a match that does not say (GitLab's never do). */
  defaultSource: string;
}

/** The signed batch, or the refusal to send: the headers are judged before a byte of the body is read. */
export async function readPartnerBatch(
  c: Context,
  deps: ReceiverDeps,
  reading: BatchReading,
): Promise<SignedBatch | Response> {
  const { issuer } = reading;
  // Spelt as both issuers document them: Github-Public-Key-Identifier, Gitlab-Public-Key-Signature.
  const prefix = issuer[0] + issuer.slice(1).toLowerCase();
  const identifier = c.req.header(`${prefix}-Public-Key-Identifier`);
  const signature = c.req.header(`${prefix}-Public-Key-Signature`);
  if (!identifier || !signature)
    return refuse(
      c,
      'invalid_signature',
      `${prefix}-Public-Key-Identifier and ${prefix}-Public-Key-Signature are required.`,
    );
  if (!isPlausibleKeyIdentifier(identifier) || !isPlausiblePartnerSignature(signature))
    return refuse(c, 'invalid_signature', BAD_SIGNATURE);
  if (Number(c.req.header('content-length') ?? '0') > MAX_PARTNER_BODY_BYTES)
    return tooLarge(c, MAX_PARTNER_BODY_BYTES);
  let key;
  try {
    key = await reading.keys.keyFor(identifier);
  } catch (error) {
    if (!(error instanceof PublicKeysUnavailable)) throw error;
    deps.logger.warn(`${issuer} public keys unavailable`, errorFields(error));
    return refuse(c, 'service_unavailable', `${issuer}'s signing keys cannot be fetched right now; retry shortly.`, {
      'Retry-After': '30',
    });
  }
  if (!key) return refuse(c, 'invalid_signature', BAD_SIGNATURE);
  const verifier = partnerVerifier();
  const body = await readSignedBody(c, MAX_PARTNER_BODY_BYTES, deps.bodies, {
    update: (chunk) => verifier.update(chunk),
    verify: () =>
      matchesPartnerSignature(verifier, signature, key) ? null : errorResponse(c, 'invalid_signature', BAD_SIGNATURE),
  });
  if (body instanceof Response) return body;

  const parsed = parseJson(body.toString('utf8'));
  if (!parsed.ok) return errorResponse(c, 'invalid_json', parsed.message);
  if (!Array.isArray(parsed.value))
    return errorResponse(c, 'invalid_request', 'The body must be a JSON array of matches.');
  // 413, not 400: the batch is well-formed but larger than we take in one request; the sender
  // can split it. (Neither issuer documents a batch limit; 1000 is lfk's, as for /v1/exposures.)
  if (parsed.value.length > MAX_PARTNER_MATCHES) {
    return errorResponse(
      c,
      'payload_too_large',
      `At most ${MAX_PARTNER_MATCHES} matches per request (got ${parsed.value.length}).`,
    );
  }
  const matches: PartnerMatch[] = [];
  for (const [index, item] of parsed.value.entries()) {
    if (!isObject(item) || typeof item.token !== 'string' || typeof item.type !== 'string') {
      return errorResponse(c, 'invalid_request', `Match ${index}: "token" and "type" must be strings.`);
    }
    matches.push({
      token: item.token,
      type: item.type,
      url: typeof item.url === 'string' ? item.url : '',
      source: typeof item.source === 'string' ? item.source : reading.defaultSource,
    });
  }
  return { matches, bodyHash: createHash('sha256').update(body).digest('hex') };
}

/** What is stored of a batch: only the well-formed lfk keys, by hash, and the sender's free text redacted. */
export function storedMatches(matches: readonly PartnerMatch[]): PartnerDelivery {
  return {
    matches: matches
      .filter((match) => isWellFormedKey(match.token))
      .map((match) => ({
        sha256: sha256Hex(match.token),
        display: displayOf(match.token),
        // Free text from the sender: a key pasted in it must not be stored (found by test/fuzz/webhooks.test.ts).
        type: redactKeys(match.type),
        url: redactKeys(match.url),
        source: redactKeys(match.source),
      })),
  };
}
