// The scanner pipeline as types: Source → Fragment → detect → Finding → report.
import type { ExposureStatus, VerifyStatus } from '../platform/vocabulary.js';

/** Where a fragment came from in git, for the git sources. */
export interface CommitInfo {
  commit: string;
  author?: string;
  email?: string;
  date?: string;
  url?: string;
}

/** A piece of text to scan and where it sits. */
export interface Fragment {
  text: string;
  /** `/`-separated path as reports show it (`-` for standard input). */
  file: string;
  /** 1-based line and UTF-16 column of text[0] (1 and 1 by default). */
  startLine?: number;
  startColumn?: number;
  /**
   * The part of text this fragment answers for: a secret starting outside [ownFrom, ownTo) belongs
   * to the neighbouring chunk of the same file, which also holds it with its context.
   */
  ownFrom?: number;
  ownTo?: number;
  /**
   * The scanned text (the file, standard input, an added line) goes on before text[0] / after its
   * end: that edge is a cut, not the text's edge, so the detector takes no `^`, `\A`, `\b`, `$`,
   * `\z` or match end there (missing means false: text starts / ends where the scanned text does).
   */
  cutBefore?: boolean;
  cutAfter?: boolean;
  commit?: CommitInfo;
  /** Set on text decoded from an encoded run (scanner/decode/): where that run is stored. */
  origin?: Origin;
  /** The bytes of a binary file read one byte per character (latin1): lines and columns count bytes. */
  binary?: boolean;
}

/**
 * The stored place a decoded fragment stands for. Its findings take this position whatever their
 * offset in the decoded text, and line allowlists and `lfk:allow` look at the stored line.
 */
export interface Origin {
  /** Where the encoded run starts and ends (exclusive) in the stored text. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The stored line the run starts on. */
  storedLine: string;
  /** The decodings applied, outermost first: `["base64", "gzip"]`. */
  decoded: string[];
}

export type ChecksumState = 'valid' | 'invalid';
/** What `--verify` learned of a found key: its status, or `unknown` when lfk did not issue it. */
export type FoundKeyStatus = Exclude<VerifyStatus, 'invalid'>;
/** What `--revoke` did with a found key (`failed` when the key service could not say). */
export type RevocationOutcome = Exclude<ExposureStatus, 'invalid'> | 'failed';

export interface Finding {
  ruleId: string;
  file: string;
  line: number;
  column: number;
  /** Equal to line unless the secret spans lines. */
  endLine: number;
  /** Exclusive, UTF-16 code units. */
  endColumn: number;
  /** The full secret: reports redact it unless asked not to. */
  secret: string;
  /** `<rule_id>:<first 16 hex of sha256(secret)>`. */
  fingerprint: string;
  checksum: ChecksumState;
  /** Found in decoded text: the decodings, outermost first (line and column are the encoded run's). */
  decoded?: string[];
  commit?: CommitInfo;
  status?: FoundKeyStatus;
  revocation?: RevocationOutcome;
  /** In a container image: a later layer deleted the file (docs/scanner.md#compressed-files-and-archives). */
  deletedInLayer?: boolean;
  /** Found in a binary file's bytes: line and column count bytes (docs/scanner.md#binary-files). */
  binary?: boolean;
  /** Inside a compressed file or archive: the stored file it is in (`file` is the `!` path through it). */
  archive?: string;
  /** A remote scan (`lfk scan --git URL`, `--github`): the repository, and the finding's blob URL when its host has them. */
  repository?: string;
  url?: string;
}

export interface ScanStats {
  files: number;
  bytes: number;
  /** Files over --max-file-size. */
  skipped: number;
  /** Binary files (searched as ASCII bytes; their bytes are in `bytes`). */
  binary: number;
  commits?: number;
}

export function emptyStats(): ScanStats {
  return { files: 0, bytes: 0, skipped: 0, binary: 0 };
}

export function addStats(into: ScanStats, more: ScanStats): void {
  into.files += more.files;
  into.bytes += more.bytes;
  into.skipped += more.skipped;
  into.binary += more.binary;
}

/** What a source read, returned when its fragments run out: for stats and warnings. */
export type SourceOutcome =
  | { kind: 'text'; bytes: number }
  /**
   * Searched for keys as ASCII bytes (docs/scanner.md#binary-files); `bytes` is missing when the
   * file was not read to its end.
   */
  | { kind: 'binary'; bytes?: number }
  | { kind: 'too-large'; size: number }
  | { kind: 'unreadable'; reason: string }
  /**
   * A compressed file or archive (its first bytes say so): scanner/unpack/ reads it. A file is
   * opened again by its path; a stream (standard input, a git or GitHub blob) hands on its bytes.
   */
  | { kind: 'archive'; stream?: ArchiveStream };

/** The bytes of a streamed archive, from its first one, and the commit it was read at. */
export interface ArchiveStream {
  chunks: AsyncIterable<Buffer>;
  commit?: CommitInfo;
}

/**
 * Something to scan: a file, standard input, and later a git diff. It yields fragments (I/O lives
 * in sources only) and returns what it read.
 */
export interface Source {
  /** As reports show it. */
  readonly file: string;
  /** Named by the user rather than found in a walk: odd cases are worth a warning. */
  readonly explicit?: boolean;
  fragments(): Generator<Fragment, SourceOutcome> | AsyncGenerator<Fragment, SourceOutcome>;
}
