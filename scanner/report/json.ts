// The JSON report (docs/scanner.md#findings), field by field (internal fields such as endLine
// stay out).
import type { Finding, ScanStats } from '../types.js';
import { redactSecret } from './redact.js';

export interface ReportInput {
  findings: readonly Finding[];
  stats: ScanStats;
  durationMs: number;
  redact: boolean;
  toolVersion: string;
}

export interface JsonFinding {
  rule_id: string;
  file: string;
  line: number;
  column: number;
  end_column: number;
  secret: string;
  fingerprint: string;
  checksum: Finding['checksum'];
  /**
   * The decodings that revealed the key, outermost first (docs/scanner.md#encoded-text); line and
   * column are the encoded run's.
   */
  decoded?: string[];
  status?: Finding['status'];
  revocation?: Finding['revocation'];
  commit?: string;
  author?: string;
  email?: string;
  date?: string;
  url?: string;
  /** Remote scans: `owner/name` (or the URL scanned). */
  repository?: string;
  deleted_in_layer?: boolean;
  /** In a binary file's bytes: line and column count bytes. */
  binary?: boolean;
}

export function toJsonFinding(finding: Finding, redact: boolean): JsonFinding {
  const { commit } = finding;
  return {
    rule_id: finding.ruleId,
    file: finding.file,
    line: finding.line,
    column: finding.column,
    end_column: finding.endColumn,
    secret: redact ? redactSecret(finding.secret) : finding.secret,
    fingerprint: finding.fingerprint,
    checksum: finding.checksum,
    ...(finding.decoded && { decoded: finding.decoded }),
    ...(finding.status && { status: finding.status }),
    ...(finding.revocation && { revocation: finding.revocation }),
    ...(commit && {
      commit: commit.commit,
      ...(commit.author !== undefined && { author: commit.author }),
      ...(commit.email !== undefined && { email: commit.email }),
      ...(commit.date !== undefined && { date: commit.date }),
      ...(commit.url !== undefined && { url: commit.url }),
    }),
    ...(finding.repository !== undefined && { repository: finding.repository }),
    ...(finding.url !== undefined && { url: finding.url }),
    ...(finding.deletedInLayer && { deleted_in_layer: true }),
    ...(finding.binary && { binary: true }),
  };
}

export function jsonReport(input: ReportInput): string {
  const { stats } = input;
  const report = {
    version: 1,
    tool: { name: 'lfk', version: input.toolVersion },
    findings: input.findings.map((finding) => toJsonFinding(finding, input.redact)),
    stats: {
      files: stats.files,
      bytes: stats.bytes,
      skipped: stats.skipped,
      binary: stats.binary,
      ...(stats.commits !== undefined && { commits: stats.commits }),
      duration_ms: Math.round(input.durationMs),
    },
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
