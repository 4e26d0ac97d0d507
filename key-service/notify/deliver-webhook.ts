// POSTs a `key.revoked` notice to the account's notification URL, signed with its secret.
import { DEFAULT_OUTBOUND_TIMEOUT_MS } from '../../platform/outbound/timeouts.js';
import { PrivateAddressError } from '../../platform/outbound/private-addresses.js';
import { PermanentError } from '../../platform/queue/queue-worker.js';
import { signNotice } from './sign-notice.js';

export interface WebhookTarget {
  url: string;
  secret: string;
}

export async function postNotice(
  target: WebhookTarget,
  body: string,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<{ status: number }> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'lfk-notifications',
        'lfk-signature': signNotice(body, target.secret, Math.floor(Date.now() / 1000)),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS),
    });
  } catch (error) {
    const inside = (error as { cause?: unknown }).cause;
    if (inside instanceof PrivateAddressError) {
      // Retrying cannot help: the owner must change the URL (or the operator allow private ones).
      throw new PermanentError(
        `the notification URL is refused: ${inside.message} (set LFK_ALLOW_PRIVATE_URLS=1 to allow it)`,
      );
    }
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(`the notification URL cannot be reached (${cause})`);
  }
  await response.body?.cancel();
  if (response.status >= 200 && response.status < 300) return { status: response.status };
  // A 4xx other than 408/429 means the receiver refuses this message; retrying will not change it.
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
    throw new PermanentError(`the notification URL answered ${response.status}`);
  }
  throw new Error(`the notification URL answered ${response.status}`);
}
