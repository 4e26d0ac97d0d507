// POST /webhooks/github (SPEC §4.2): verify X-Hub-Signature-256, store the events lfk acts on,
// answer 202; the work (GitHub API calls, scanning, revoking) happens after the answer.
import type { Context } from 'hono';
import { eventEnvelope } from '../deliveries.js';
import { redactPayload } from '../redact-payload.js';
import { verifyGithubApp } from '../verify-github-app.js';
import { accept, errorResponse, isObject, notConfigured, parseJson, readRawBody, tooLarge, type ReceiverDeps } from './shared.js';

// GitHub does not deliver payloads over 25 MB.
export const MAX_GITHUB_APP_BODY_BYTES = 25 * 1024 * 1024;

export const ALERT_ACTIONS = new Set(['created', 'reopened', 'publicly_leaked']);

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
    const body = await readRawBody(c, MAX_GITHUB_APP_BODY_BYTES);
    if (!body) return tooLarge(c, MAX_GITHUB_APP_BODY_BYTES);
    if (!verifyGithubApp(body, c.req.header('x-hub-signature-256'), deps.webhookSecret)) {
      return errorResponse(c, 'invalid_signature', 'X-Hub-Signature-256 is missing or does not match the body.');
    }
    const event = c.req.header('x-github-event');
    const deliveryId = c.req.header('x-github-delivery');
    if (!event || !deliveryId || deliveryId.length > 100) return errorResponse(c, 'invalid_request', 'X-GitHub-Event and X-GitHub-Delivery are required.');
    const text = body.toString('utf8');
    const parsed = parseJson(text);
    if (!parsed.ok) return errorResponse(c, 'invalid_json', parsed.message);
    if (!isObject(parsed.value)) return errorResponse(c, 'invalid_request', 'The body must be a JSON object.');
    if (event === 'ping') return c.json({ status: 'pong' }, 200);
    if (!isHandledEvent(event, parsed.value)) return c.json({ status: 'ignored', event }, 200);
    if ((event === 'push' || event === 'secret_scanning_alert') && !isObject(parsed.value.installation)) {
      return errorResponse(c, 'invalid_request', `A ${event} delivery must name its installation.`);
    }
    const redacted = redactPayload(text);
    return accept(c, deps, {
      provider: 'github-app',
      event,
      dedupKey: `github-app:${deliveryId}`,
      payload: eventEnvelope(redacted.text, redacted.keys),
    });
  };
}
