// What an inbox row may hold: the delivery with every lfk-shaped string cut to its prefix (a key
// in a commit message must not be stored), plus the SHA-256 of each well-formed key that was in it.
import { KEY_PREFIX, displayOf, isWellFormedKey, redactKeys, sha256Hex } from '../platform/key-format.js';

export interface FoundKey {
  sha256: string;
  display: string;
}

const KEY_CANDIDATE = /lfk_sk_[0-9A-Za-z]{40}/g;

export function redactPayload(text: string): { text: string; keys: FoundKey[] } {
  if (!text.includes(KEY_PREFIX)) return { text, keys: [] };
  const keys = new Map<string, FoundKey>();
  for (const match of text.matchAll(KEY_CANDIDATE)) {
    const candidate = match[0];
    const before = text[match.index - 1];
    const after = text[match.index + candidate.length];
    if ((before && /[0-9A-Za-z]/.test(before)) || (after && /[0-9A-Za-z]/.test(after))) continue;
    if (isWellFormedKey(candidate))
      keys.set(candidate, { sha256: sha256Hex(candidate), display: displayOf(candidate) });
  }
  return { text: redactKeys(text), keys: [...keys.values()] };
}
