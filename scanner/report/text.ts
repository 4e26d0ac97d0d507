// The human report: one line per finding, secrets redacted unless asked, colour on a terminal.
import type { Finding } from '../types.js';
import type { ReportInput } from './json.js';
import { redactSecret } from './redact.js';
import { terminalSafe } from './terminal-safe.js';

export interface TextOptions {
  color: boolean;
}

const CODES = { bold: 1, dim: 2, red: 31, yellow: 33, cyan: 36, green: 32 } as const;
type Style = keyof typeof CODES;

export function textReport(input: ReportInput, options: TextOptions): string {
  // Every value printed goes through paint, which escapes it (file names, rule ids, secrets and key
  // service answers come from outside: terminal-safe.ts) before adding lfk's own colour codes.
  const paint = (style: Style, text: string) => {
    const safe = terminalSafe(text);
    return options.color ? `\x1b[${CODES[style]}m${safe}\x1b[0m` : safe;
  };
  const lines = input.findings.map((finding) => findingLine(finding, input.redact, paint));
  const valid = input.findings.filter((finding) => finding.checksum === 'valid').length;
  const files = new Set(input.findings.filter((finding) => finding.checksum === 'valid').map((finding) => finding.file))
    .size;
  const scanned = `${input.stats.files} file${input.stats.files === 1 ? '' : 's'} (${formatBytes(input.stats.bytes)}) in ${Math.round(input.durationMs)} ms`;
  const summary =
    valid === 0
      ? paint('green', `no keys found: scanned ${scanned}`)
      : paint(
          'bold',
          `${valid} key${valid === 1 ? '' : 's'} found in ${files} file${files === 1 ? '' : 's'}: scanned ${scanned}`,
        );
  const invalid = input.findings.length - valid;
  const notes =
    invalid > 0
      ? [paint('dim', `${invalid} shape match${invalid === 1 ? '' : 'es'} with a bad checksum (not keys lfk issued)`)]
      : [];
  return `${[...lines, ...(lines.length > 0 ? [''] : []), summary, ...notes].join('\n')}\n`;
}

function findingLine(finding: Finding, redact: boolean, paint: (style: Style, text: string) => string): string {
  const secret = redact ? redactSecret(finding.secret) : finding.secret;
  const parts = [
    paint('cyan', `${finding.file}:${finding.line}:${finding.column}`),
    paint('yellow', finding.ruleId),
    paint('red', secret),
  ];
  if (finding.checksum === 'invalid') parts.push(paint('dim', 'checksum invalid'));
  if (finding.decoded) parts.push(paint('dim', `decoded ${finding.decoded.join(' → ')}`));
  if (finding.binary) parts.push(paint('dim', 'binary (line and column in bytes)'));
  if (finding.deletedInLayer) parts.push(paint('dim', 'deleted in a later layer'));
  if (finding.status) parts.push(`status ${paint('bold', finding.status)}`);
  if (finding.revocation) parts.push(`revocation ${paint('bold', finding.revocation)}`);
  if (finding.commit) parts.push(paint('dim', `commit ${finding.commit.commit.slice(0, 12)}`));
  parts.push(paint('dim', finding.fingerprint));
  return parts.join('  ');
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything non-empty. */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}
