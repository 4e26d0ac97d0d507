// Parses the output of `git log -p -U0` and `git diff -U0` as it streams, line by line, and turns
// the ADDED lines into fragments (the git modes, docs/git.md); GitHub's `files[].patch` (the hunks
// of one file, with context lines and without git's headers) goes through it too, after
// beginFile(). Nothing of the history is kept: the parser holds the current commit, file and hunk,
// and the line being read. Lines are Buffers; only an added line that may hold a keyword is ever
// decoded. An added line longer than LONG_LINE_BYTES streams through a FragmentSplitter in bounded
// pieces; other long lines are cut to their head.
//
// Input shape (one commit):  \0<sha>\0<author>\0<email>\0<date>\0<parents>   (our --format)
//                            diff --git a/x b/y | diff --cc x     file header lines
//                            --- a/x, +++ b/y (C-quoted when the path needs it)
//                            @@ -a,b +c,d @@  or, for a merge, @@@ -a,b -c,d +e,f @@@
//                            +added / -removed / \ No newline…   (merge lines: one column per parent)
import { bufferSource, keywordWindows, windowFragment } from '../keyword-fragments.js';
import type { CommitInfo, Fragment } from '../types.js';
import { FragmentSplitter } from './file-fragments.js';

/** An added line longer than this is scanned in pieces instead of held whole. */
export const LONG_LINE_BYTES = 1 << 20;
/** Bytes kept of a long line that is not an added line (headers need no more). */
const HEAD_BYTES = 4096;
/** Consecutive added lines held for decoding at most (a wrapped base64 key spans several lines). */
const BLOCK_BYTES = 1 << 20;

const NL = 0x0a;
const NEWLINE = Buffer.from([NL]);
const PLUS = 0x2b;
const MINUS = 0x2d;
const SPACE = 0x20;
const BACKSLASH = 0x5c;

export interface PatchPrefilter {
  bytesMayMatch(bytes: Buffer): boolean;
  skipsPath(file: string): boolean;
  /** With decoding on (finder.ts): encoded keywords in bytes, and how far their runs reach. */
  encodedMayMatch?(bytes: Buffer): boolean;
  encodedOffsets?(bytes: Buffer): number[];
  encodedReach?: number;
}

export interface PatchStats {
  commits: number;
  /** File diffs that added text. */
  files: number;
  /** Bytes of added lines. */
  bytes: number;
  /** File diffs git calls binary. */
  binary: number;
  /** File diffs cut at maxFileSize. */
  skipped: number;
}

export interface PatchOptions {
  /** Added bytes of one file in one commit after which the rest of its diff is dropped; 0 = no limit. */
  maxFileSize: number;
  /** An added line holding a keyword, or a piece of a very long one: to scan as it is. */
  onFragment(fragment: Fragment): void;
  /**
   * Lines around an encoded keyword (consecutive added lines, so a wrapped run is whole), or a piece
   * of a very long added line: to scan for what it decodes to. Its lines also went to onFragment.
   */
  onEncoded?(fragment: Fragment): void;
  onCommit?(commit: CommitInfo, count: number): void;
  onWarning?(message: string): void;
  /**
   * A file diff git calls binary that leaves a blob behind (not a deletion): its content is read
   * from the object store and scanned whole (archives opened, bytes searched as ASCII).
   */
  onBinary?(blob: BinaryBlob): void;
}

/** A binary file's content after a commit (or in the index, for the staged diff). */
export interface BinaryBlob {
  file: string;
  /** The blob's object id, from the diff's `index` line (--full-index). */
  blob: string;
  commit: CommitInfo | undefined;
}

type State = 'between' | 'header' | 'hunk';

/** Consecutive added lines of one file, copied only from chunks that may hold an encoded keyword. */
interface Block {
  lines: Buffer[];
  bytes: number;
  /** The line number of its first line and of the line that would come next. */
  first: number;
  next: number;
  file: string;
  commit: CommitInfo | undefined;
  /** Lines before it were added too but are not held (it was cut at BLOCK_BYTES). */
  cutBefore: boolean;
  /** What blockMayMatch found, for its first `checked` bytes. */
  mayMatch: boolean;
  checked: number;
}

export class PatchParser {
  readonly stats: PatchStats = { commits: 0, files: 0, bytes: 0, binary: 0, skipped: 0 };
  private state: State = 'between';
  private commit: CommitInfo | undefined;
  private file: string | undefined;
  /** The current file diff adds text (counted in stats.files once). */
  private fileCounted = false;
  private fileBytes = 0;
  private fileCut = false;
  /** The current file diff's path from its `diff --git` line (renames: `rename to`) and its new blob. */
  private diffPath: string | undefined;
  private newBlob: string | undefined;
  /** Parents of the current hunk: 1, or more for a merge's combined diff. */
  private columns = 1;
  private nextLine = 0;
  // The line being read across chunks.
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The pending line is too long: its head only (not an added line) or streamed (an added line). */
  private longMode: 'none' | 'head' | 'stream' = 'none';
  private splitter: FragmentSplitter | undefined;
  private block: Block | undefined;
  /** The current chunk may hold an encoded keyword, or continue one: its added lines are held. */
  private holding = false;
  /** The last added line, when not held: a wrapped form may begin on it and go on in the next. */
  private previous: { lineNo: number; content: Buffer; file: string; commit: CommitInfo | undefined } | undefined;
  /** Where in the current chunk the last added line of the fast path is, to keep it as `previous`. */
  private fastLine: { start: number; end: number; lineNo: number } | undefined;

  constructor(
    private readonly prefilter: PatchPrefilter,
    private readonly options: PatchOptions,
  ) {}

  push(chunk: Buffer): void {
    // A chunk without keyword bytes: no line wholly inside it needs decoding.
    const chunkMayMatch = this.prefilter.bytesMayMatch(chunk);
    // Added lines go on being held while the lines held so far may be part of an encoded run.
    this.holding =
      this.prefilter.encodedMayMatch?.(chunk) === true || (this.block !== undefined && this.blockMayMatch());
    // A line still open may go on the block once whole (endPendingLine looks at it then).
    if (!this.holding && this.pendingBytes === 0) this.block = undefined;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) break;
      // The common case, without making a Buffer per line: a hunk line in a chunk with no keyword.
      if (
        !chunkMayMatch &&
        !this.holding &&
        this.state === 'hunk' &&
        this.columns === 1 &&
        this.pendingBytes === 0 &&
        this.longMode === 'none'
      ) {
        const first = chunk[start];
        if (first === PLUS) {
          const lineNo = this.nextLine++;
          if (this.wantsAdded() && this.count(nl - start)) this.fastLine = { start: start + 1, end: nl, lineNo };
          start = nl + 1;
          continue;
        }
        if (first === MINUS || first === BACKSLASH) {
          start = nl + 1;
          continue;
        }
        if (first === SPACE) {
          this.nextLine++;
          start = nl + 1;
          continue;
        }
      }
      if (this.pendingBytes > 0 || this.longMode !== 'none') {
        this.addPending(chunk.subarray(start, nl));
        this.endPendingLine();
      } else {
        this.line(chunk.subarray(start, nl), chunkMayMatch);
      }
      start = nl + 1;
    }
    // Copied once per chunk at most: the chunk's memory is reused.
    if (this.fastLine && this.prefilter.encodedOffsets)
      this.previous = {
        lineNo: this.fastLine.lineNo,
        content: Buffer.from(chunk.subarray(this.fastLine.start, this.fastLine.end)),
        file: this.file!,
        commit: this.commit,
      };
    this.fastLine = undefined;
    if (start < chunk.length) this.addPending(chunk.subarray(start));
  }

  /**
   * Starts the diff of one file named elsewhere (GitHub's file entry): the hunks pushed next are
   * its hunks, their added lines belong to `commit`.
   */
  beginFile(file: string, commit?: CommitInfo): void {
    this.resetFile();
    this.file = file;
    this.commit = commit;
  }

  /** The end of input: a last line without a newline counts. */
  end(): PatchStats {
    if (this.pendingBytes > 0 || this.longMode !== 'none') this.endPendingLine();
    this.flushBlock();
    return this.stats;
  }

  private addPending(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.longMode === 'head') return;
    if (this.longMode === 'stream') {
      this.streamPiece(piece);
      return;
    }
    // Copied: the chunk's memory is reused once we return.
    this.pending.push(Buffer.from(piece));
    this.pendingBytes += piece.length;
    if (this.pendingBytes <= LONG_LINE_BYTES) return;
    const head = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.state === 'hunk' && this.isAddedLine(head) && this.wantsAdded()) {
      // A line this long is decoded piece by piece, not as part of a block.
      this.flushBlock();
      this.longMode = 'stream';
      this.splitter = new FragmentSplitter('utf-8', this.file!);
      this.streamPiece(head.subarray(this.columns));
    } else {
      this.longMode = 'head';
      this.pending = [head.subarray(0, HEAD_BYTES)];
      this.pendingBytes = this.pending[0]!.length;
    }
  }

  private endPendingLine(): void {
    const mode = this.longMode;
    this.longMode = 'none';
    if (mode === 'stream') {
      this.streamPiece(null);
      this.nextLine++;
      return;
    }
    const line = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    // A line across chunks: the chunk that ends it may not show the encoded keyword it holds.
    if (!this.holding && mode === 'none') this.holding = this.prefilter.encodedMayMatch?.(line) === true;
    if (mode === 'head') {
      // The rest of a very long removed or header line: only its kind matters.
      this.line(line, false, true);
      return;
    }
    this.line(line, true);
  }

  private streamPiece(piece: Buffer | null): void {
    const splitter = this.splitter;
    if (!splitter) return;
    if (piece && !this.count(piece.length)) {
      this.splitter = undefined;
      return;
    }
    const fragment = splitter.push(piece);
    if (fragment) {
      this.emit(fragment, this.nextLine);
      this.options.onEncoded?.(fragment);
    }
    if (piece === null) this.splitter = undefined;
  }

  private line(line: Buffer, mayMatch: boolean, truncated = false): void {
    if (this.state === 'hunk') {
      const first = line[0];
      if (first === PLUS || first === MINUS || first === SPACE || first === BACKSLASH) {
        this.hunkLine(line, mayMatch, truncated);
        return;
      }
      this.state = 'header';
    }
    this.flushBlock();
    const first = line[0];
    if (first === 0) {
      this.commitLine(line);
      return;
    }
    if (line.length === 0) return;
    if (
      first === 0x64 /* d */ &&
      (startsWith(line, 'diff --git ') || startsWith(line, 'diff --cc ') || startsWith(line, 'diff --combined '))
    ) {
      this.resetFile();
      this.diffPath = diffGitPath(line.toString('utf8'));
      return;
    }
    if (this.state !== 'header') return;
    if (first === 0x40 /* @ */) {
      this.hunkHeader(line.toString('latin1'));
      return;
    }
    if (startsWith(line, '+++ ')) {
      // Git ends a path holding a space with a tab.
      const path = line.subarray(4).toString('utf8').replace(/\t$/, '');
      this.file = path === '/dev/null' ? undefined : stripPrefix(path.startsWith('"') ? unquoteC(path) : path);
    } else if (startsWith(line, 'index ')) {
      // `index <old>..<new> <mode>`, or `index <old>,<old>..<new>` in a combined diff.
      this.newBlob = /\.\.([0-9a-f]{40,64})\b/.exec(line.toString('latin1'))?.[1];
    } else if (startsWith(line, 'rename to ') || startsWith(line, 'copy to ')) {
      const path = line.subarray(line.indexOf(0x20, 7) + 1).toString('utf8');
      this.diffPath = path.startsWith('"') ? unquoteC(path) : path;
    } else if (startsWith(line, 'Binary files ') || startsWith(line, 'GIT binary patch')) {
      this.stats.binary++;
      this.binaryDiff(line);
    }
  }

  private binaryDiff(line: Buffer): void {
    const deleted = line.toString('latin1').endsWith(' and /dev/null differ');
    const blob = this.newBlob;
    if (deleted || !this.diffPath || !blob || /^0+$/.test(blob) || this.prefilter.skipsPath(this.diffPath)) return;
    this.options.onBinary?.({ file: this.diffPath, blob, commit: this.commit });
  }

  /** A new file diff: its header comes next. */
  private resetFile(): void {
    this.state = 'header';
    this.file = undefined;
    this.fileCounted = false;
    this.fileBytes = 0;
    this.fileCut = false;
    this.diffPath = undefined;
    this.newBlob = undefined;
  }

  private commitLine(line: Buffer): void {
    const [, commit = '', author = '', email = '', date = ''] = line.toString('utf8').split('\0');
    this.commit = { commit, author, email, date };
    this.state = 'between';
    this.stats.commits++;
    this.options.onCommit?.(this.commit, this.stats.commits);
  }

  private hunkHeader(header: string): void {
    const match = /^(@{2,}) (?:-\d+(?:,\d+)? )+\+(\d+)(?:,\d+)? @{2,}/.exec(header);
    if (!match) return;
    this.columns = match[1]!.length - 1;
    this.nextLine = Number(match[2]);
    this.state = 'hunk';
  }

  private hunkLine(line: Buffer, mayMatch: boolean, truncated: boolean): void {
    if (line[0] === BACKSLASH) return;
    if (this.columns === 1) {
      // A context line (GitHub's patches have them, git's -U0 ones do not) is in the new file too.
      if (line[0] === SPACE) this.nextLine++;
      if (line[0] !== PLUS) return;
    } else {
      // A merge: a line is in the result when no column says '-', new when every column says '+'.
      const prefix = line.subarray(0, this.columns);
      if (prefix.includes(MINUS)) return;
      if (prefix.some((byte) => byte !== PLUS)) {
        this.nextLine++;
        return;
      }
    }
    const lineNo = this.nextLine++;
    if (truncated || !this.wantsAdded()) return;
    const content = line.subarray(this.columns);
    if (!this.count(content.length + 1)) return;
    this.fastLine = undefined;
    if (this.holding) this.hold(lineNo, content);
    else if (this.prefilter.encodedOffsets)
      this.previous = { lineNo, content: Buffer.from(content), file: this.file!, commit: this.commit };
    // mayMatch is false only for a line wholly inside a chunk that holds no keyword.
    if (!mayMatch || !this.prefilter.bytesMayMatch(content)) return;
    this.emit({ text: content.toString('utf8'), file: this.file!, startLine: lineNo, startColumn: 1 }, lineNo);
  }

  /** Adds an added line to the block of consecutive added lines, starting a new one where they break. */
  private hold(lineNo: number, content: Buffer): void {
    let cutBefore = false;
    if (
      this.block &&
      (this.block.next !== lineNo || this.block.file !== this.file || this.block.commit !== this.commit)
    )
      this.flushBlock();
    else if (this.block && this.block.bytes + content.length + 1 > BLOCK_BYTES) {
      this.flushBlock();
      cutBefore = true;
    }
    if (!this.block) {
      this.block = {
        lines: [],
        bytes: 0,
        first: lineNo,
        next: lineNo,
        file: this.file!,
        commit: this.commit,
        cutBefore,
        mayMatch: false,
        checked: 0,
      };
      // The line before, not held then, may hold the start of a form wrapped onto this one.
      const previous = this.previous;
      if (
        previous &&
        previous.lineNo === lineNo - 1 &&
        previous.file === this.file &&
        previous.commit === this.commit
      ) {
        this.block.first = previous.lineNo;
        this.block.lines.push(Buffer.concat([previous.content, NEWLINE]));
        this.block.bytes = previous.content.length + 1;
      }
    }
    this.previous = undefined;
    // Copied with its line end: the chunk's memory is reused.
    const copy = Buffer.allocUnsafe(content.length + 1);
    content.copy(copy);
    copy[content.length] = NL;
    this.block.lines.push(copy);
    this.block.bytes += copy.length;
    this.block.next = lineNo + 1;
  }

  /** The lines held may hold an encoded keyword, or the start of one cut by the chunk's end. */
  private blockMayMatch(): boolean {
    const block = this.block!;
    // Looked at again only when lines came in since (tiny chunks would look at it for every one).
    if (block.checked !== block.bytes) {
      block.mayMatch = this.prefilter.encodedMayMatch?.(Buffer.concat(block.lines)) === true;
      block.checked = block.bytes;
    }
    return block.mayMatch;
  }

  /** Hands over the windows around encoded keywords in the block of added lines, then drops it. */
  private flushBlock(): void {
    const block = this.block;
    this.block = undefined;
    if (!block || !this.options.onEncoded) return;
    const bytes = Buffer.concat(block.lines, block.bytes);
    const offsets = this.prefilter.encodedOffsets?.(bytes) ?? [];
    if (offsets.length === 0) return;
    const source = bufferSource(bytes);
    for (const window of keywordWindows(source, [], 0, { offsets, reach: this.prefilter.encodedReach ?? 0 })) {
      const fragment = windowFragment(source, window, block.file);
      fragment.startLine = block.first + window.line - 1;
      if (block.cutBefore && window.start === 0) fragment.cutBefore = true;
      if (block.commit) fragment.commit = block.commit;
      this.options.onEncoded(fragment);
    }
  }

  private isAddedLine(line: Buffer): boolean {
    for (let i = 0; i < this.columns; i++) if (line[i] !== PLUS) return false;
    return true;
  }

  /** The current file is one to scan. */
  private wantsAdded(): boolean {
    if (this.file === undefined || this.fileCut) return false;
    if (!this.fileCounted) {
      if (this.prefilter.skipsPath(this.file)) {
        this.fileCut = true;
        return false;
      }
      this.fileCounted = true;
      this.stats.files++;
    }
    return true;
  }

  /** Counts added bytes; false once the file passes maxFileSize (then the rest is dropped). */
  private count(bytes: number): boolean {
    this.fileBytes += bytes;
    const limit = this.options.maxFileSize;
    if (limit > 0 && this.fileBytes > limit) {
      this.fileCut = true;
      this.stats.skipped++;
      const where = this.commit ? `${this.commit.commit.slice(0, 12)}:${this.file}` : `${this.file}`;
      this.options.onWarning?.(
        `${where}: adds more than --max-file-size ${limit} bytes; the rest of this file's diff is skipped`,
      );
      return false;
    }
    this.stats.bytes += bytes;
    return true;
  }

  private emit(fragment: Fragment, line: number): void {
    // Fragments of a long line come from a splitter that counts from line 1.
    fragment.startLine = line;
    if (this.commit) fragment.commit = this.commit;
    this.options.onFragment(fragment);
  }
}

function startsWith(line: Buffer, text: string): boolean {
  if (line.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (line[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** `b/path` → `path` (we ask git for `a/` and `b/` prefixes whatever the user's config says). */
/**
 * The path of `diff --git a/P b/P` (both halves are the same path unless renamed or copied, when
 * `rename to` / `copy to` follows), `diff --cc P`, or their C-quoted forms.
 */
export function diffGitPath(line: string): string | undefined {
  const combined = /^diff --(?:cc|combined) (.*)$/.exec(line);
  if (combined) return combined[1]!.startsWith('"') ? unquoteC(combined[1]!) : combined[1];
  const rest = line.slice('diff --git '.length);
  if (rest.endsWith('"')) {
    const at = rest.lastIndexOf(' "b/');
    return at === -1 ? undefined : stripPrefix(unquoteC(rest.slice(at + 1)));
  }
  const half = (rest.length - 1) / 2;
  const [left, right] = [rest.slice(0, half), rest.slice(half + 1)];
  if (Number.isInteger(half) && left.startsWith('a/') && right.startsWith('b/') && left.slice(2) === right.slice(2))
    return right.slice(2);
  // Renamed: `rename to` names it. A path with " b/" in it is ambiguous here, and rare.
  const at = rest.indexOf(' b/');
  return at === -1 ? undefined : rest.slice(at + 3);
}

function stripPrefix(path: string): string {
  return path.startsWith('b/') ? path.slice(2) : path;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 0x22, '\\': 0x5c };

/** Git's C-style quoted path (`"b/we\"ird\nname"`, octal bytes for other bytes) to the path. */
export function unquoteC(quoted: string): string {
  const inner = quoted.slice(1, quoted.endsWith('"') ? -1 : undefined);
  const bytes: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i]!;
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const next = inner[i + 1] ?? '';
    const octal = /^[0-3][0-7]{2}/.exec(inner.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else if (next in ESCAPES) {
      bytes.push(ESCAPES[next]!);
      i += 1;
    } else bytes.push(0x5c);
  }
  return Buffer.from(bytes).toString('utf8');
}
