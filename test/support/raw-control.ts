// What a terminal must never be handed raw: the check of lfk's output where names, paths and
// messages come from someone else (a scanned tree, a commit).
import { expect } from 'vitest';

/** Any raw C0 (but LF, the line end), DEL, C1, bidi control or line/paragraph separator. */
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/** Fails naming the first raw control character in `text` (`what` says which stream), with the text around it. */
export function expectNoRawControl(text: string, what: string): void {
  const found = RAW_CONTROL.exec(text);
  expect(
    found &&
      `U+${found[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${found.index}: ${JSON.stringify(text.slice(Math.max(0, found.index - 30), found.index + 30))}`,
    what,
  ).toBeNull();
}
