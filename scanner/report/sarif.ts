// SARIF 2.1.0 as GitHub code scanning takes it (docs/reference/scanners.md §6): one run, every
// loaded rule once with a stable id, repository-relative `/` URIs, 1-based UTF-16 columns, and
// partialFingerprints. A SARIF file is uploaded and shared, so it never holds a full key.
import { createHash } from 'node:crypto';
import { relative, resolve } from 'node:path';
import type { RuleSpec } from '../../rules/types.js';
import type { Finding } from '../types.js';
import { redactSecret } from './redact.js';

export interface SarifInput {
  findings: readonly Finding[];
  rules: readonly RuleSpec[];
  toolVersion: string;
  /** Where finding paths are relative to (the current directory). */
  cwd: string;
  /** The git work tree, when there is one: URIs are made relative to it. */
  repoRoot?: string;
}

export function sarifReport(input: SarifInput): string {
  const ruleIndex = new Map(input.rules.map((rule, index) => [rule.id, index]));
  const occurrences = new Map<string, number>();
  const results = input.findings.map((finding) => {
    const uri = artifactUri(finding.file, input);
    // Same key twice in one file: the occurrence number keeps the two alerts apart.
    const key = `${uri}\0${finding.fingerprint}`;
    const occurrence = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, occurrence);
    const index = ruleIndex.get(finding.ruleId);
    const status = finding.status ? `, status ${finding.status}` : '';
    const revocation = finding.revocation ? `, revocation ${finding.revocation}` : '';
    const decoded = finding.decoded ? ` in ${finding.decoded.join(' → ')} encoded text` : '';
    return {
      ruleId: finding.ruleId,
      ...(index !== undefined && { ruleIndex: index }),
      level: finding.checksum === 'valid' ? 'error' : 'warning',
      message: {
        text: `${describe(finding, input.rules)} ${redactSecret(finding.secret)} found${decoded} (checksum ${finding.checksum}${status}${revocation}). Revoke it and replace it.`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri },
            region: {
              startLine: finding.line,
              startColumn: finding.column,
              endLine: finding.endLine,
              endColumn: finding.endColumn,
            },
          },
        },
      ],
      partialFingerprints: {
        'lfkFingerprint/v1': finding.fingerprint,
        primaryLocationLineHash: `${createHash('sha256').update(key).digest('hex').slice(0, 16)}:${occurrence}`,
      },
      // The region is the encoded run; which decodings hid the key, a deleted layer and a binary
      // file (region in bytes) are lfk's own properties.
      ...((finding.decoded || finding.deletedInLayer || finding.binary) && {
        properties: {
          ...(finding.decoded && { decoded: finding.decoded }),
          ...(finding.deletedInLayer && { deletedInLayer: true }),
          ...(finding.binary && { binary: true }),
        },
      }),
    };
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'lfk',
            semanticVersion: input.toolVersion,
            informationUri: 'https://github.com/trustleads/lfk',
            rules: input.rules.map(sarifRule),
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

function sarifRule(rule: RuleSpec) {
  const help = `${rule.description}: a secret that must not be committed. Revoke the key (lfk scan --revoke does it through the key service), replace it, and remove it from the file and its history.`;
  return {
    id: rule.id,
    name: rule.id.replace(/(^|[-_.])([a-z0-9])/g, (_match, _sep: string, char: string) => char.toUpperCase()),
    shortDescription: { text: rule.description },
    fullDescription: { text: `${rule.description} (lfk rule ${rule.id}).` },
    help: { text: help, markdown: help },
    defaultConfiguration: { level: 'error' },
    properties: {
      tags: ['security', 'secret', ...rule.tags].slice(0, 20),
      precision: 'very-high',
      'security-severity': '9.0',
    },
  };
}

function describe(finding: Finding, rules: readonly RuleSpec[]): string {
  return rules.find((rule) => rule.id === finding.ruleId)?.description ?? finding.ruleId;
}

/** Repository-relative, `/`-separated and percent-encoded; cwd-relative outside a repository. */
function artifactUri(file: string, input: SarifInput): string {
  let path = file;
  if (input.repoRoot && file !== '-') {
    const rel = relative(input.repoRoot, resolve(input.cwd, file));
    if (!rel.startsWith('..')) path = rel.split('\\').join('/');
  }
  return path.split('/').map(encodeURIComponent).join('/');
}
