// Finds keywords in raw bytes. Node's Buffer search runs a memchr on the needle's first byte, and
// stops at every occurrence of it: starting the needle at a rare byte ("k_sk_" rather than
// "lfk_sk_", whose "l" is everywhere in text) makes the search about twice as fast. A hit of the
// shorter needle is then confirmed against the whole keyword.

// Printable ASCII bytes by how often they appear in source code and docs, most frequent first
// (counted over the bench corpus, the text of node_modules); bytes not listed count as rarest.
const FREQUENT =
  ' etrosnial\ncdpumh/,f"*.g_)(:b;Ay=vET-CS{}xwI0kOR1PN\tL2DF`>\'M[]3Bz|q\\&4U?jH6WG5<8QKV9@7#+!$XYZJ%^~';
// Needles under 7 bytes take Node's memchr path; longer ones a Boyer–Moore–Horspool search.
const NEEDLE_MAX = 6;

export class KeywordBytes {
  private readonly needle: Buffer;
  /** Where the needle starts inside the keyword. */
  private readonly offset: number;

  constructor(readonly word: Buffer) {
    let best = 0;
    for (let at = 1; at + 2 <= word.length; at++) if (rarity(word[at]!) > rarity(word[best]!)) best = at;
    this.offset = best;
    this.needle = word.subarray(best, Math.min(word.length, best + NEEDLE_MAX));
  }

  /** True when `bytes` may hold the keyword (a keyword cut by the buffer's edge counts as may). */
  in(bytes: Buffer): boolean {
    const { word, needle, offset } = this;
    if (needle.length === word.length) return bytes.includes(word);
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) {
      const start = at - offset;
      if (start < 0 || start + word.length > bytes.length) return true;
      if (bytes.compare(word, 0, word.length, start, start + word.length) === 0) return true;
    }
    return false;
  }

  /** Adds where the whole keyword starts in `bytes` (only whole ones: `bytes` is a whole file). */
  addOffsets(bytes: Buffer, into: number[]): void {
    const { word, needle, offset } = this;
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) {
      const start = at - offset;
      if (
        start >= 0 &&
        start + word.length <= bytes.length &&
        bytes.compare(word, 0, word.length, start, start + word.length) === 0
      )
        into.push(start);
    }
  }
}

/** Higher for rarer bytes: where a byte search should start. */
export function rarity(byte: number): number {
  const rank = FREQUENT.indexOf(String.fromCharCode(byte));
  return rank === -1 ? FREQUENT.length : rank;
}
