// What a keyword looks like once encoded (docs/scanner.md#encoded-text), as the fixed strings every
// such encoding holds. Base64 packs 3 bytes into 4 characters, so the characters that mix in the
// unknown bytes around the keyword differ from one text to the next: only the characters made of
// keyword bits alone are kept, at each of the 3 byte alignments. Escapes (`%5F`, `\x5f`, `\u005f`)
// are not fixed strings (either case, any mix of plain and escaped characters) and are matched
// where they start.

export type RunKind = 'base64' | 'hex' | 'escape';

/** A fixed string of base64 or hex characters. */
export interface ExactForm {
  kind: 'base64' | 'hex';
  text: string;
  /** Characters of its group (4 for base64, 2 for hex) that come before text[0]. */
  phase: number;
  /** Compressed data begins at text[0] (a gzip header): decoding starts there. */
  magic: boolean;
}

/** The keyword with keyword[index] escaped, other characters plain or escaped. */
export interface EscapeForm {
  kind: 'escape';
  keyword: string;
  index: number;
}

export type Form = ExactForm | EscapeForm;

/** Shorter fixed strings would turn up in ordinary text too often to be worth decoding around. */
const MIN_FORM_CHARS = 5;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/** Every form of a keyword, and the gzip header in base64 (base64 of gzip hides the keyword). */
export function formsOf(keywords: readonly string[]): Form[] {
  const forms: Form[] = [];
  for (const keyword of keywords) {
    const bytes = Buffer.from(keyword, 'utf8');
    for (const text of [bytes.toString('hex'), bytes.toString('hex').toUpperCase()])
      forms.push({ kind: 'hex', text, phase: 0, magic: false });
    forms.push(...base64Cores(bytes, false));
    for (let index = 0; index < keyword.length; index++) {
      // Encoders escape punctuation, not letters and digits; an escape here is one of two hex digits.
      if (keyword.charCodeAt(index) < 0x80 && !/[0-9A-Za-z]/.test(keyword[index]!))
        forms.push({ kind: 'escape', keyword, index });
    }
  }
  forms.push(...base64Cores(GZIP_MAGIC, true).filter((form) => form.phase === 0));
  return dedupe(forms);
}

/** The base64 characters of `bytes` alone, at each alignment, in both alphabets. */
function base64Cores(bytes: Buffer, magic: boolean): ExactForm[] {
  const cores: ExactForm[] = [];
  for (let before = 0; before < 3; before++) {
    // Characters made only of bits 8·before … 8·(before + length) of the group-aligned bytes.
    const first = Math.ceil((8 * before) / 6);
    const last = Math.floor((8 * (before + bytes.length)) / 6) - 1;
    const padded = Buffer.concat([Buffer.alloc(before), bytes, Buffer.alloc(3)]);
    for (const alphabet of ['base64', 'base64url'] as const) {
      const text = padded.toString(alphabet).slice(first, last + 1);
      if (text.length >= (magic ? 4 : MIN_FORM_CHARS)) cores.push({ kind: 'base64', text, phase: first % 4, magic });
    }
  }
  return cores;
}

function dedupe(forms: Form[]): Form[] {
  const seen = new Set<string>();
  return forms.filter((form) => {
    const key =
      form.kind === 'escape' ? `escape:${form.keyword}:${form.index}` : `${form.kind}:${form.text}:${form.magic}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
