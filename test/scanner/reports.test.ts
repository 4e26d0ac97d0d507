import { describe, expect, it } from 'vitest';
import { loadBuiltinRuleSet } from '../../rules/load.js';
import { applyIgnores, staleNotes } from '../../scanner/ignores.js';
import { jsonReport, type ReportInput } from '../../scanner/report/json.js';
import { sarifReport } from '../../scanner/report/sarif.js';
import { textReport, wantsColor } from '../../scanner/report/text.js';
import { detectorFor } from '../../scanner/validators.js';
import { emptyStats, type Finding } from '../../scanner/types.js';
import { testKey } from './keys.js';

const ruleSet = loadBuiltinRuleSet();
const KEY = testKey('report-1');
const KEY2 = testKey('report-2');
const findings = [
  ...detectorFor(ruleSet, { reportInvalid: true }).detect({
    text: `a: ${KEY}\nb: lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0`,
    file: 'src/conf.yml',
  }),
  ...detectorFor(ruleSet).detect({ text: `x ${KEY2} ${KEY2}`, file: 'dir with space/#1.txt' }),
];
const input = (redact: boolean): ReportInput => ({
  findings,
  stats: { ...emptyStats(), files: 2, bytes: 300 },
  durationMs: 12.4,
  redact,
  toolVersion: '0.1.0',
});

/** The SARIF results of `found`, reported from /repo. */
const sarifResults = (found: Finding[]) =>
  JSON.parse(sarifReport({ findings: found, rules: ruleSet.rules, toolVersion: '0.1.0', cwd: '/repo' })).runs[0]
    .results;

describe('JSON report (docs/scanner.md#findings)', () => {
  it('has the documented fields, redacted by default', () => {
    const report = JSON.parse(jsonReport(input(true)));
    expect(report.version).toBe(1);
    expect(report.tool).toEqual({ name: 'lfk', version: '0.1.0' });
    expect(report.stats).toEqual({ files: 2, bytes: 300, skipped: 0, binary: 0, duration_ms: 12 });
    expect(report.findings[0]).toEqual({
      rule_id: 'trustleads-api-key',
      file: 'src/conf.yml',
      line: 1,
      column: 4,
      end_column: 4 + KEY.length,
      secret: `${KEY.slice(0, 11)}…${KEY.slice(-4)}`,
      fingerprint: findings[0]!.fingerprint,
      checksum: 'valid',
    });
    expect(report.findings[1]).toMatchObject({ line: 2, checksum: 'invalid' });
    expect(jsonReport(input(true))).not.toContain(KEY);
  });

  it('--no-redact shows the full key', () => {
    expect(JSON.parse(jsonReport(input(false))).findings[0].secret).toBe(KEY);
  });
});

describe('SARIF report', () => {
  const sarif = JSON.parse(
    sarifReport({ findings, rules: ruleSet.rules, toolVersion: '0.1.0', cwd: '/repo/sub', repoRoot: '/repo' }),
  );
  const run = sarif.runs[0];

  it('is SARIF 2.1.0 with one run and each rule once', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toContain('sarif-2.1.0');
    expect(sarif.runs).toHaveLength(1);
    const ids = run.tool.driver.rules.map((rule: { id: string }) => rule.id);
    expect(ids).toEqual([...new Set(ids)]);
    const rule = run.tool.driver.rules[0];
    expect(rule.id).toBe('trustleads-api-key');
    expect(rule.shortDescription.text).toBeTruthy();
    expect(rule.fullDescription.text).toBeTruthy();
    expect(rule.help.text).toBeTruthy();
    expect(rule.properties['security-severity']).toBe('9.0');
  });

  it('results: stable rule id, repository-relative / URI, 1-based columns, fingerprints', () => {
    expect(run.results).toHaveLength(4);
    const [first, , third, fourth] = run.results;
    expect(first.ruleId).toBe('trustleads-api-key');
    expect(first.ruleIndex).toBe(0);
    expect(first.level).toBe('error');
    expect(first.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'sub/src/conf.yml' },
      region: { startLine: 1, startColumn: 4, endLine: 1, endColumn: 4 + KEY.length },
    });
    expect(first.partialFingerprints['lfkFingerprint/v1']).toBe(findings[0]!.fingerprint);
    expect(first.partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]{16}:1$/);
    expect(third.locations[0].physicalLocation.artifactLocation.uri).toBe('sub/dir%20with%20space/%231.txt');
    // The same key twice in a file: two alerts, told apart by the occurrence.
    expect(fourth.partialFingerprints.primaryLocationLineHash).toMatch(/:2$/);
    expect(run.results[1].level).toBe('warning');
  });

  it('never holds a full key', () => {
    const text = JSON.stringify(sarif);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(KEY2);
    expect(run.results[0].message.text).toContain(`${KEY.slice(0, 11)}…`);
  });
});

describe('text report', () => {
  it('one redacted line per finding and a summary; colour only when asked', () => {
    const plain = textReport(input(true), { color: false });
    expect(plain).not.toContain(KEY);
    expect(plain).toContain(`src/conf.yml:1:4  trustleads-api-key  ${KEY.slice(0, 11)}…${KEY.slice(-4)}`);
    expect(plain).toContain('checksum invalid');
    expect(plain).toContain('3 keys found in 2 files');
    expect(plain).not.toContain('\x1b[');
    expect(textReport(input(true), { color: true })).toContain('\x1b[');
    expect(textReport(input(false), { color: false })).toContain(KEY);
  });

  it('says so when nothing is found', () => {
    expect(textReport({ ...input(true), findings: [] }, { color: false })).toMatch(
      /^no keys found: scanned 2 files \(300 B\)/,
    );
  });

  it('colour on a terminal unless NO_COLOR is set', () => {
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
  });
});

describe('ignores', () => {
  it('drops findings by fingerprint and lists entries that matched nothing', () => {
    const entries = [
      { fingerprint: findings[0]!.fingerprint, source: '.lfkignore', line: 1 },
      { fingerprint: 'trustleads-api-key:0000000000000000', source: '.lfkignore', line: 2 },
      { fingerprint: 'trustleads-api-key:1111111111111111', source: 'old.json' },
    ];
    const outcome = applyIgnores(findings, entries);
    expect(outcome.kept).toHaveLength(findings.length - 1);
    expect(outcome.ignored).toBe(1);
    expect(outcome.stale).toEqual([entries[1], entries[2]]);
    expect(staleNotes(outcome.stale)).toEqual([
      '.lfkignore: 1 entry matches no finding of this scan (line 2)',
      'old.json: 1 entry matches no finding of this scan (trustleads-api-key:1111111111111111)',
    ]);
  });
});

describe('decoded findings (docs/scanner.md#encoded-text)', () => {
  const origin = {
    line: 7,
    column: 12,
    endLine: 9,
    endColumn: 5,
    storedLine: '  data: H4sI…',
    decoded: ['base64', 'gzip'],
  };
  const [decoded] = detectorFor(ruleSet).detect({ text: `{"token": "${KEY}"}`, file: 'k8s/secret.yaml', origin });
  const withDecoded = { ...input(true), findings: [decoded!] };

  it("take the encoded run's place and carry the chain in every format", () => {
    expect(decoded).toMatchObject({ line: 7, column: 12, endLine: 9, endColumn: 5, decoded: ['base64', 'gzip'] });
    expect(JSON.parse(jsonReport(withDecoded)).findings[0]).toMatchObject({
      line: 7,
      column: 12,
      end_column: 5,
      decoded: ['base64', 'gzip'],
    });
    const [result] = sarifResults([decoded!]);
    expect(result.locations[0].physicalLocation.region).toEqual({
      startLine: 7,
      startColumn: 12,
      endLine: 9,
      endColumn: 5,
    });
    expect(result.properties).toEqual({ decoded: ['base64', 'gzip'] });
    expect(textReport(withDecoded, { color: false })).toContain(
      `k8s/secret.yaml:7:12  trustleads-api-key  ${KEY.slice(0, 11)}…${KEY.slice(-4)}  decoded base64 → gzip  `,
    );
  });

  it('plain findings say nothing of decoding', () => {
    expect(findings.every((finding) => finding.decoded === undefined)).toBe(true);
    expect(JSON.parse(jsonReport(input(true))).findings.every((finding: object) => !('decoded' in finding))).toBe(true);
    expect(sarifResults(findings).every((result: object) => !('properties' in result))).toBe(true);
  });
});

describe('binary findings (docs/scanner.md#binary-files)', () => {
  // A key glued to the bytes around it, as in a SQLite record: found by the rule's binaryRegex.
  const bytes = Buffer.concat([
    Buffer.from('SQLite format 3\0\n\x01\x02k'),
    Buffer.from(KEY),
    Buffer.from('production\0'),
  ]);
  const [binary] = detectorFor(ruleSet).detect({ text: bytes.toString('latin1'), file: 'data/app.db', binary: true });
  const withBinary = { ...input(true), findings: [binary!] };

  it('place the key in bytes and say binary in every format', () => {
    expect(binary).toMatchObject({
      line: 2,
      column: 4,
      endLine: 2,
      endColumn: 4 + KEY.length,
      binary: true,
      secret: KEY,
    });
    expect(JSON.parse(jsonReport(withBinary)).findings[0]).toMatchObject({
      file: 'data/app.db',
      line: 2,
      column: 4,
      binary: true,
    });
    const [result] = sarifResults([binary!]);
    expect(result.locations[0].physicalLocation.region).toEqual({
      startLine: 2,
      startColumn: 4,
      endLine: 2,
      endColumn: 4 + KEY.length,
    });
    expect(result.properties).toEqual({ binary: true });
    expect(textReport(withBinary, { color: false })).toContain(
      `data/app.db:2:4  trustleads-api-key  ${KEY.slice(0, 11)}…${KEY.slice(-4)}  binary (line and column in bytes)  `,
    );
  });

  it('the same bytes read as text keep the word boundaries: no finding', () => {
    expect(detectorFor(ruleSet).detect({ text: bytes.toString('latin1'), file: 'data/app.txt' })).toEqual([]);
  });
});
