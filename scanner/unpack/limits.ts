// The limits against archive bombs (docs/scanner.md#limits-and-warnings), and the budget one
// top-level file spends.

export interface UnpackLimits {
  /** Archives and compressed streams opened inside one another; 0 opens none. */
  maxDepth: number;
  /** Bytes produced by decompression, at every level, per top-level file. */
  maxBytes: number;
  /** An entry whose output passes this many times the input read is cut off. */
  maxRatio: number;
  /** Entries read per archive. */
  maxEntries: number;
  /** A zip inside another archive is held in memory to be read (yauzl needs random access): at most this much at once. */
  maxNestedZipBytes: number;
}

export const DEFAULT_LIMITS: UnpackLimits = {
  maxDepth: 4,
  maxBytes: 1024 ** 3,
  maxRatio: 1000,
  maxEntries: 100_000,
  maxNestedZipBytes: 64 * 1024 ** 2,
};

/** The ratio is judged only past this much output, so a small file's headers never trip it. */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

/** What one top-level file has spent, and whether it must stop. */
export class Budget {
  produced = 0;
  heldZipBytes = 0;
  exhausted = false;
  /** Streams a limit has cut short: what was inside them then ends early, and that is no corruption. */
  cuts = 0;

  constructor(readonly limits: UnpackLimits) {}

  /** Bytes of `chunk` still within the budget (all of it, or a head, or none). */
  take(bytes: number): number {
    const left = Math.max(0, this.limits.maxBytes - this.produced);
    const granted = Math.min(left, bytes);
    this.produced += granted;
    if (granted < bytes) this.exhausted = true;
    return granted;
  }
}
