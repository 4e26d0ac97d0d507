// What the decoders search: the bytes of a file or the text of a fragment, seen alike. Encoded runs
// are ASCII, and an ASCII byte and its UTF-16 code unit are the same number, so one search and one
// run finder serve both, and agree on where a run starts and ends.

export interface Haystack {
  readonly length: number;
  /** The byte or UTF-16 code unit at `index`; -1 outside. */
  at(index: number): number;
  /** Where `code` (ASCII) next occurs at or after `from`, or -1. */
  indexOf(code: number, from: number): number;
}

export function bytesHaystack(bytes: Buffer): Haystack {
  return {
    length: bytes.length,
    at: (index) => (index >= 0 && index < bytes.length ? bytes[index]! : -1),
    indexOf: (code, from) => bytes.indexOf(code, from),
  };
}

const CHARS = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));

export function textHaystack(text: string): Haystack {
  return {
    length: text.length,
    at: (index) => (index >= 0 && index < text.length ? text.charCodeAt(index) : -1),
    indexOf: (code, from) => text.indexOf(CHARS[code]!, from),
  };
}
