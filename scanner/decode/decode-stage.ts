// The decode stage (docs/scanner.md#encoded-text): a fragment in, the text its encoded runs stand
// for out, as fragments the detector scans like any other. Each decoded fragment carries its
// origin: the place where its run starts in the stored text (its findings are reported there, and
// its stored line is the one `lfk:allow` and line allowlists see) and the decodings so far,
// outermost first. Decoded text is searched again, up to the depth limit: base64 of gzip of JSON is
// decoded all the way.
import { LineCursor } from '../line-cursor.js';
import type { Fragment, Origin } from '../types.js';
import { unescapeRun } from './escapes.js';
import { gunzipCapped, INFLATE_CAP, isGzip } from './gunzip.js';
import { textHaystack, type Haystack } from './haystack.js';
import type { NeedleHit, Needles } from './needles.js';
import { runAround, type Run } from './runs.js';

/** Decoded characters one stored fragment may give, all layers together: nested bombs stay bounded. */
export const DECODE_BUDGET = 16 << 20;

/** A stretch of a run that decodes as one, [start, end) in its fragment's text. */
interface Piece {
  start: number;
  end: number;
  encoding: string;
  decoded: Buffer | string;
  /** The stretch goes on past what the fragment holds. */
  cutBefore: boolean;
  cutAfter: boolean;
}

export class DecodeStage {
  constructor(
    private readonly needles: Needles,
    /** Decodings in a chain at most (`--max-decode-depth`). */
    private readonly maxDepth: number,
  ) {}

  /** Every fragment decoded from this one, nested ones included; warnings name what was cut. */
  decode(fragment: Fragment, warnings: string[]): Fragment[] {
    const out: Fragment[] = [];
    this.layer(fragment, this.maxDepth, out, warnings, { left: DECODE_BUDGET });
    return out;
  }

  private layer(parent: Fragment, depth: number, out: Fragment[], warnings: string[], budget: { left: number }): void {
    if (depth <= 0 || budget.left <= 0) return;
    const hay = textHaystack(parent.text);
    const hits = this.needles.hits(hay);
    if (hits.length === 0) return;
    const ownFrom = parent.ownFrom ?? 0;
    const ownTo = parent.ownTo ?? parent.text.length;
    // A run belongs to the fragment that holds its start (streamed fragments overlap).
    const pieces = runsOf(hay, hits)
      .filter(({ run }) => run.start >= ownFrom && run.start < ownTo)
      .flatMap(({ run, hits: inRun }) => piecesOf(hay, run, inRun, parent));
    const origins = originsOf(parent, pieces);
    pieces.forEach((piece, index) => {
      const origin = origins[index]!;
      let bytes = piece.decoded;
      let left = depth - 1;
      const chain = [...origin.decoded, piece.encoding];
      let cutAfter = piece.cutAfter;
      if (typeof bytes !== 'string' && isGzip(bytes)) {
        // Compressed bytes are no text to search: without a layer left for gzip there is nothing to do.
        if (left === 0) return;
        const inflated = gunzipCapped(bytes);
        if (!inflated) return;
        if (inflated.cut) {
          warnings.push(
            `${where(parent, origin)}: gzip data in ${chain.join(' → ')} decompresses to more than ${INFLATE_CAP} bytes; only the first ${INFLATE_CAP} are scanned`,
          );
          cutAfter = true;
        }
        bytes = inflated.bytes;
        chain.push('gzip');
        left--;
      }
      const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
      if (text.length > budget.left) {
        warnings.push(
          `${where(parent, origin)}: more than ${DECODE_BUDGET} characters of decoded text; the rest of it is not decoded`,
        );
        budget.left = 0;
        return;
      }
      budget.left -= text.length;
      const child: Fragment = {
        text,
        file: parent.file,
        origin: { ...origin, decoded: chain },
        ...(piece.cutBefore && { cutBefore: true }),
        ...(cutAfter && { cutAfter: true }),
        ...(parent.commit && { commit: parent.commit }),
        ...(parent.binary && { binary: true }),
      };
      out.push(child);
      this.layer(child, left, out, warnings, budget);
    });
  }
}

/** Each run once, with the hits inside it (several forms, alignments or keys may share a run). */
function runsOf(hay: Haystack, hits: readonly NeedleHit[]): Array<{ run: Run; hits: NeedleHit[] }> {
  const runs: Array<{ run: Run; hits: NeedleHit[] }> = [];
  for (const hit of hits) {
    const known = runs.find(({ run }) => run.kind === hit.form.kind && hit.start >= run.start && hit.end <= run.end);
    if (known) known.hits.push(hit);
    else runs.push({ run: runAround(hay, hit), hits: [hit] });
  }
  return runs;
}

const GROUP = { base64: 4, hex: 2 } as const;

function piecesOf(hay: Haystack, run: Run, hits: readonly NeedleHit[], parent: Fragment): Piece[] {
  const cutBefore = run.start === 0 && parent.cutBefore === true;
  const cutAfter = run.end === hay.length && parent.cutAfter === true;
  if (run.kind === 'escape') {
    const { text, percent } = unescapeRun(hay, run.start, run.end);
    return [
      { start: run.start, end: run.end, encoding: percent ? 'percent' : 'escape', decoded: text, cutBefore, cutAfter },
    ];
  }
  const kind = run.kind;
  // The run's characters without wraps and indentation, and where each one sits.
  const chars: string[] = [];
  const offsets: number[] = [];
  for (let at = run.start; at < run.end; at++) {
    const code = hay.at(at);
    if (run.isChar(code) || (kind === 'base64' && code === 0x3d)) {
      chars.push(String.fromCharCode(code));
      offsets.push(at);
    }
  }
  const group = GROUP[kind];
  // A hit says where the groups of 4 (or 2) characters start. The run may hold text before it that is
  // not part of the encoding (`key` glued before base64): decoding starts at the first group boundary.
  // A hit out of step with the groups so far, or a gzip header, starts a new stretch.
  const starts: number[] = [];
  let step = -1;
  for (const hit of hits) {
    const index = indexAt(offsets, hit.start);
    const form = hit.form as Extract<NeedleHit['form'], { kind: 'base64' | 'hex' }>;
    const boundary = form.magic ? index : index - form.phase;
    const phase = ((boundary % group) + group) % group;
    if (phase === step && !form.magic) continue;
    starts.push(starts.length === 0 && !form.magic ? phase : Math.max(boundary, 0));
    step = phase;
  }
  const sorted = [...new Set(starts)].sort((a, b) => a - b);
  return sorted.flatMap((from, index) => {
    const to = sorted[index + 1] ?? chars.length;
    if (to <= from) return [];
    const text = chars.slice(from, to).join('');
    return [
      {
        start: offsets[from]!,
        end: offsets[to - 1]! + 1,
        encoding: kind,
        decoded: Buffer.from(text, kind),
        cutBefore: cutBefore && from === 0,
        cutAfter: cutAfter && to === chars.length,
      },
    ];
  });
}

/** Index of the first entry of sorted `offsets` at or after `offset`. */
function indexAt(offsets: readonly number[], offset: number): number {
  let low = 0;
  let high = offsets.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (offsets[middle]! < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Where each piece sits in the stored text: its parent's origin when the parent was decoded itself. */
function originsOf(parent: Fragment, pieces: readonly Piece[]): Origin[] {
  if (parent.origin) return pieces.map(() => parent.origin!);
  // One forward pass over the text for every start and end (runs of different kinds may overlap).
  const offsets = [...new Set(pieces.flatMap((piece) => [piece.start, piece.end]))].sort((a, b) => a - b);
  const cursor = new LineCursor(parent.text, parent.startLine ?? 1, parent.startColumn ?? 1);
  const places = new Map(offsets.map((offset) => [offset, cursor.at(offset)]));
  return pieces.map((piece) => {
    const start = places.get(piece.start)!;
    const end = places.get(piece.end)!;
    return {
      line: start.line,
      column: start.column,
      endLine: end.line,
      endColumn: end.column,
      storedLine: lineAround(parent.text, piece.start),
      decoded: [],
    };
  });
}

function lineAround(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  return text.slice(start, end === -1 ? text.length : end);
}

function where(parent: Fragment, origin: Origin): string {
  return `${parent.file}:${origin.line}`;
}
