import { displayOf, hasKeyShape } from '../../platform/key-format.js';

/** What reports show instead of a secret: the key's display form, or a short head for others. */
export function redactSecret(secret: string): string {
  if (hasKeyShape(secret)) return displayOf(secret);
  return secret.length >= 12 ? `${secret.slice(0, 4)}…` : '…';
}
