// Text a customer chooses (a key's or an account's name, a job's file URL, the notification URL)
// is stored, listed and shown to every member and in e-mails: a key pasted there would be a key
// kept in the clear. Such text is refused, not redacted: each of these fields has a real use that
// never needs a key in it, and a redacted name or URL would silently not be what was sent.
import { ApiError } from '../../platform/errors.js';
import { holdsKeyShape } from '../../platform/key-format.js';

/** Throws 400 when `text` holds a key-shaped string; `field` names it in the customer's words. */
export function refusePastedKey(field: string, text: string | null | undefined): void {
  if (text && holdsKeyShape(text)) {
    throw new ApiError(
      'invalid_request',
      `${field} holds an API key (lfk_sk_…). A key must never be pasted there: everyone who can see ${field} would see it. Nothing was saved; if the key is live, revoke it.`,
    );
  }
}
