// POST /webhooks/github (docs/github-app.md#2-install-it): verify X-Hub-Signature-256, store the
// events lfk acts on, answer 202; the work (GitHub API calls, scanning, revoking) comes after.
import type { Context } from 'hono';
import { eventEnvelope } from '../deliveries.js';
import { redactPayload } from '../redact-payload.js';
import { githubAppHmac, isPlausibleGithubSignature, matchesGithubApp } from '../verify-github-app.js';
import {
  accept,
  errorResponse,
  isObject,
  notConfigured,
  readSignedObject,
  refuse,
  SMALL_BODY_BYTES,
  type ReceiverDeps,
} from './shared.js';

// GitHub does not deliver payloads over 25 MB.
export const MAX_GITHUB_APP_BODY_BYTES = 25 * 1024 * 1024;

export const ALERT_ACTIONS = new Set(['created', 'reopened', 'publicly_leaked']);
const BAD_SIGNATURE = 'X-Hub-Signature-256 is missing or does not match the body.';

/** The events whose body lfk reads in full (up to 25 MiB); any other is answered from at most 64 KiB. */
export const FULL_BODY_EVENTS = new Set(['push', 'installation', 'installation_repositories', 'secret_scanning_alert']);

export interface GithubAppDeps extends ReceiverDeps {
  webhookSecret: string | undefined;
  /** The settings still missing for the work itself (App id, private key); named in the 503. */
  missingSettings: string[];
}

/** Which deliveries are work for lfk; everything else is answered 200 and not stored. */
export function isHandledEvent(event: string, payload: Record<string, unknown>): boolean {
  if (event === 'push' || event === 'installation' || event === 'installation_repositories') return true;
  return event === 'secret_scanning_alert' && typeof payload.action === 'string' && ALERT_ACTIONS.has(payload.action);
}

export function githubAppReceiver(deps: GithubAppDeps) {
  return async (c: Context): Promise<Response> => {
    if (!deps.webhookSecret) return notConfigured(c, ['LFK_GITHUB_WEBHOOK_SECRET', ...deps.missingSettings]);
    if (deps.missingSettings.length > 0) return notConfigured(c, deps.missingSettings);
    // Everything known from the headers is checked before a byte of the body is read.
    const signature = c.req.header('x-hub-signature-256');
    if (!isPlausibleGithubSignature(signature)) return refuse(c, 'invalid_signature', BAD_SIGNATURE);
    const event = c.req.header('x-github-event');
    const deliveryId = c.req.header('x-github-delivery');
    if (!event || !deliveryId || deliveryId.length > 100)
      return refuse(c, 'invalid_request', 'X-GitHub-Event and X-GitHub-Delivery are required.');
    // An event lfk ignores (ping included) is still verified, but cannot make us hold 25 MiB.
    const maxBytes = FULL_BODY_EVENTS.has(event) ? MAX_GITHUB_APP_BODY_BYTES : SMALL_BODY_BYTES;
    const hmac = githubAppHmac(deps.webhookSecret);
    const body = await readSignedObject(c, maxBytes, deps.bodies, {
      update: (chunk) => hmac.update(chunk),
      verify: () => (matchesGithubApp(hmac, signature) ? null : errorResponse(c, 'invalid_signature', BAD_SIGNATURE)),
    });
    if (body instanceof Response) return body;
    if (event === 'ping') return c.json({ status: 'pong' }, 200);
    if (!isHandledEvent(event, body.value)) return c.json({ status: 'ignored', event }, 200);
    if ((event === 'push' || event === 'secret_scanning_alert') && !isObject(body.value.installation)) {
      return errorResponse(c, 'invalid_request', `A ${event} delivery must name its installation.`);
    }
    const redacted = redactPayload(body.text);
    return accept(c, deps, {
      provider: 'github-app',
      event,
      dedupKey: `github-app:${deliveryId}`,
      payload: eventEnvelope(redacted.text, redacted.keys),
    });
  };
}
