// POST /webhooks/gitguardian (docs/webhooks.md#gitguardian): verify the signature and the Timestamp
// window, store the incident events that may mean a leaked lfk key, answer 202. The dashboard's
// test message (no `action`) and other actions are answered 200 and not stored.
import type { Context } from 'hono';
import { eventEnvelope } from '../deliveries.js';
import { redactPayload } from '../redact-payload.js';
import { gitguardianHmac, gitguardianVerdict, isPlausibleGitguardianSignature } from '../verify-gitguardian.js';
import {
  accept,
  errorResponse,
  isObject,
  notConfigured,
  readSignedObject,
  refuse,
  type ReceiverDeps,
} from './shared.js';

export const MAX_GITGUARDIAN_BODY_BYTES = 1024 * 1024;
export const INCIDENT_ACTIONS = new Set(['incident_triggered', 'new_occurrence', 'incident_regression']);
const BAD_SIGNATURE = 'Gitguardian-Signature or Timestamp is missing or does not match the body.';

export interface GitguardianDeps extends ReceiverDeps {
  webhookSecret: string | undefined;
  now?: () => number;
}

export function gitguardianReceiver(deps: GitguardianDeps) {
  return async (c: Context): Promise<Response> => {
    if (!deps.webhookSecret) return notConfigured(c, ['LFK_GITGUARDIAN_WEBHOOK_SECRET']);
    // The headers' shape is checked before a byte of the body is read.
    const signature = c.req.header('gitguardian-signature') ?? c.req.header('x-gitguardian-signature');
    const timestamp = c.req.header('timestamp');
    if (!isPlausibleGitguardianSignature(signature, timestamp)) return refuse(c, 'invalid_signature', BAD_SIGNATURE);
    const hmac = gitguardianHmac(timestamp!, deps.webhookSecret);
    const body = await readSignedObject(c, MAX_GITGUARDIAN_BODY_BYTES, deps.bodies, {
      update: (chunk) => hmac.update(chunk),
      verify: () => {
        const verdict = gitguardianVerdict(hmac, signature!, timestamp!, deps.now?.() ?? Date.now());
        if (verdict === 'bad_signature') return errorResponse(c, 'invalid_signature', BAD_SIGNATURE);
        if (verdict === 'stale')
          return errorResponse(
            c,
            'invalid_signature',
            'The Timestamp is more than 5 minutes away from our clock; the delivery may be a replay.',
          );
        return null;
      },
    });
    if (body instanceof Response) return body;
    const { action, incident } = body.value;
    if (typeof action !== 'string') return c.json({ status: 'ignored', reason: 'test message' }, 200);
    if (!INCIDENT_ACTIONS.has(action)) return c.json({ status: 'ignored', action }, 200);
    if (
      !isObject(incident) ||
      (typeof incident.id !== 'number' && typeof incident.id !== 'string') ||
      typeof incident.hmsl_hash !== 'string'
    ) {
      return errorResponse(c, 'invalid_request', `An ${action} event needs incident.id and incident.hmsl_hash.`);
    }
    const redacted = redactPayload(body.text);
    return accept(c, deps, {
      provider: 'gitguardian',
      event: action,
      dedupKey: `gitguardian:${String(incident.id)}:${action}`,
      payload: eventEnvelope(redacted.text, redacted.keys),
    });
  };
}
