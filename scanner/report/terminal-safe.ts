// Untrusted text (file names, rule text, commit fields, archive entry names, key service answers)
// made safe to print on a terminal or into a human log. A scanned repository chooses its file
// names: raw, `\x1b[2K`, `\x1b]0;…\x07` or `\r` in one would recolour, retitle or erase what lfk
// prints, and the bidi controls would reorder it on screen. Each such character becomes a visible
// escape, in the spirit of git's quoting of unusual path names:
//   TAB, LF, CR                   \t \n \r
//   other C0 controls, DEL, C1    \xHH   (two lowercase hex digits: \x1b, \x07, \x7f, \x9b)
//   bidi controls, U+2028/U+2029  \uHHHH (four lowercase hex digits: \u202e, \u2028)
// Everything else, printable Unicode included, is kept as it is. A backslash is not doubled, so a
// name that already spells `\x1b` reads the same as one holding ESC: this is for reading, and the
// JSON and SARIF reports keep the exact name.
//
// Escape the untrusted parts only, at the point of printing: lfk's own colour codes go around the
// escaped text. The output holds no character this escapes, so escaping twice changes nothing.

/** The characters escaped: C0, DEL, C1, ALM, LRM, RLM, LS, PS, LRE…RLO, LRI…PDI. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');
const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** `text` with every control, bidi control and line or paragraph separator escaped (one line out). */
export function terminalSafe(text: string): string {
  // The common case (plain names): one test, and the same string back.
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE_ALL, escapeChar);
}

/** Like terminalSafe, but LF stays a line end: for text that is several lines on purpose. */
export function terminalSafeLines(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return text.split('\n').map(terminalSafe).join('\n');
}

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
