// What the sources and the scanning loops need from the rules: the detector's byte checks, which
// keep clean files undecoded, the same for the encoded forms of the keywords (decode/needles.ts),
// and a fragment's findings together with those of the text decoded from it. The detector itself
// knows nothing of decoding: it is handed decoded fragments like any others.
import type { RuleSet } from '../rules/types.js';
import { DecodeStage } from './decode/decode-stage.js';
import { bytesHaystack } from './decode/haystack.js';
import { Needles } from './decode/needles.js';
import { RUN_REACH } from './decode/runs.js';
import type { Detector } from './detect.js';
import type { Finding, Fragment } from './types.js';
import { detectorFor } from './validators.js';

/** `--max-decode-depth` by default: base64 of gzip of escaped JSON is three layers. */
export const DEFAULT_DECODE_DEPTH = 3;

export interface FinderOptions {
  reportInvalid?: boolean;
  /** Decodings in a chain at most; 0 turns decoding off. */
  maxDecodeDepth?: number;
}

export interface Finder
  extends Pick<
    Detector,
    'skipsPath' | 'skipsPaths' | 'bytesMayMatch' | 'keywordOffsets' | 'maxKeywordBytes' | 'detect'
  > {
  /** Where encoded keywords start in whole bytes (none when decoding is off). */
  encodedOffsets(bytes: Buffer): number[];
  /** False when the bytes cannot hold an encoded keyword (one cut by their edges counts). */
  encodedMayMatch(bytes: Buffer): boolean;
  /** Bytes either side of an encoded keyword a window must hold: the most a run reaches from it. */
  readonly encodedReach: number;
  /** The fragment's findings (detect) and those of everything decoded from it. */
  findings(fragment: Fragment, warnings: string[]): Finding[];
  /** Only the findings of what is decoded from the fragment. */
  decodedFindings(fragment: Fragment, warnings: string[]): Finding[];
}

export function createFinder(ruleSet: RuleSet, options: FinderOptions = {}): Finder {
  const detector = detectorFor(ruleSet, { reportInvalid: options.reportInvalid ?? false });
  const depth = options.maxDecodeDepth ?? DEFAULT_DECODE_DEPTH;
  const needles = depth > 0 ? Needles.of([...new Set(ruleSet.rules.flatMap((rule) => rule.keywords))]) : undefined;
  const stage = needles && new DecodeStage(needles, depth);
  const decodedFindings = (fragment: Fragment, warnings: string[]): Finding[] => {
    if (!stage) return [];
    const findings = stage.decode(fragment, warnings).flatMap((decoded) => detector.detect(decoded));
    // A key twice in one run (or in two stretches of it) is one finding at the run's place.
    const seen = new Set<string>();
    return findings.filter((finding) => {
      const key = `${finding.line}:${finding.column}:${finding.fingerprint}:${finding.decoded?.join(',')}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  };
  return {
    skipsPath: detector.skipsPath,
    skipsPaths: detector.skipsPaths,
    bytesMayMatch: detector.bytesMayMatch,
    keywordOffsets: detector.keywordOffsets,
    maxKeywordBytes: detector.maxKeywordBytes,
    detect: detector.detect,
    encodedOffsets: (bytes) => needles?.offsetsIn(bytes) ?? [],
    encodedMayMatch: (bytes) => needles?.mayHold(bytesHaystack(bytes)) ?? false,
    encodedReach: RUN_REACH,
    findings: (fragment, warnings) => [...detector.detect(fragment), ...decodedFindings(fragment, warnings)],
    decodedFindings,
  };
}
