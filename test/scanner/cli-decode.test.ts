// Encoded keys (docs/scanner.md#encoded-text) through the built CLI: files and standard input, the
// three report formats at one place, --max-decode-depth, ignores, and a big scan's worker threads.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodedCases, placeOf } from './encoded-cases.js';
import { runLfk } from './run-lfk.js';

interface Found {
  file: string;
  line: number;
  column: number;
  secret: string;
  fingerprint: string;
  decoded?: string[];
}

function folder(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lfk-cli-decode-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

async function json(cwd: string, args: string[], input?: string): Promise<Found[]> {
  const run = await runLfk(['scan', ...args, '--format', 'json', '--no-redact'], {
    cwd,
    ...(input !== undefined && { input }),
  });
  if (run.code === 2) throw new Error(run.stderr);
  return (JSON.parse(run.stdout) as { findings: Found[] }).findings;
}

describe('lfk scan: encoded keys', () => {
  const samples = encodedCases();
  const cwd = folder(Object.fromEntries(samples.map((sample) => [sample.file, sample.text])));

  it('files: each key once, at its encoded run, with decoded', async () => {
    const findings = await json(cwd, ['.']);
    expect(findings).toHaveLength(samples.length);
    for (const sample of samples) {
      expect(
        findings.filter((finding) => finding.secret === sample.key),
        sample.name,
      ).toEqual([
        expect.objectContaining({ file: sample.file, ...placeOf(sample.text, sample.at), decoded: sample.decoded }),
      ]);
    }
  });

  it('standard input: the same place in "-"', async () => {
    for (const sample of samples) {
      expect(await json(cwd, ['-'], sample.text), sample.name).toEqual([
        expect.objectContaining({
          file: '-',
          ...placeOf(sample.text, sample.at),
          secret: sample.key,
          decoded: sample.decoded,
        }),
      ]);
    }
  });

  it('text and SARIF give the same place as JSON', async () => {
    const sample = samples.find((entry) => entry.decoded.length === 2)!;
    const { line, column } = placeOf(sample.text, sample.at);
    const text = await runLfk(['scan', sample.file], { cwd });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      `${sample.file}:${line}:${column}  trustleads-api-key  ${sample.key.slice(0, 11)}…${sample.key.slice(-4)}  decoded base64 → gzip`,
    );
    expect(text.stdout).not.toContain(sample.key);
    const sarif = JSON.parse((await runLfk(['scan', sample.file, '--format', 'sarif'], { cwd })).stdout);
    const [result] = sarif.runs[0].results;
    expect(result.locations[0].physicalLocation).toMatchObject({
      artifactLocation: { uri: sample.file },
      region: { startLine: line, startColumn: column },
    });
    expect(result.properties).toEqual({ decoded: ['base64', 'gzip'] });
    expect(result.message.text).toContain('in base64 → gzip encoded text');
  });

  it('--max-decode-depth 1 drops base64 of gzip, 0 drops decoding; bad values are usage errors', async () => {
    const secrets = async (depth: string) =>
      (await json(cwd, ['.', '--max-decode-depth', depth])).map((finding) => finding.secret).sort();
    const all = samples.map((sample) => sample.key).sort();
    expect(await secrets('3')).toEqual(all);
    expect(await secrets('1')).toEqual(
      samples
        .filter((sample) => sample.decoded.length === 1)
        .map((sample) => sample.key)
        .sort(),
    );
    expect(await secrets('0')).toEqual([]);
    for (const bad of ['-1', '11', '1.5', 'two', '']) {
      const run = await runLfk(['scan', '.', `--max-decode-depth=${bad}`], { cwd });
      expect(run.code, bad).toBe(2);
      expect(run.stderr, bad).toContain(
        `--max-decode-depth must be a whole number from 0 (no decoding) to 10, not "${bad}"`,
      );
    }
  });

  it('a baseline, .lfkignore and a path allowlist silence decoded findings by fingerprint and path', async () => {
    const [first, second, third] = samples;
    const root = folder({
      [first!.file]: first!.text,
      [second!.file]: second!.text,
      [`fixtures/${third!.file}`]: third!.text,
    });
    const findings = await json(root, ['.']);
    expect(findings).toHaveLength(3);
    const fingerprintOf = (key: string) => findings.find((finding) => finding.secret === key)!.fingerprint;
    writeFileSync(
      join(root, 'baseline.json'),
      JSON.stringify({ findings: [{ fingerprint: fingerprintOf(first!.key) }] }),
    );
    writeFileSync(join(root, '.lfkignore'), `${fingerprintOf(second!.key)}\n`);
    writeFileSync(join(root, '.lfk.toml'), `[[allowlists]]\npaths = ['''^fixtures/''']\n`);
    const run = await runLfk(['scan', '.', '--baseline', 'baseline.json'], { cwd: root });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^no keys found/);
  });

  it('worker threads report decoded findings like the main thread', async () => {
    // Enough files for the pool; the encoded ones among them.
    const files: Record<string, string> = Object.fromEntries(
      Array.from({ length: 400 }, (_, i) => [`filler/${i}.txt`, `line ${i}\n`]),
    );
    for (const sample of samples) files[`enc/${sample.file}`] = sample.text;
    const root = folder(files);
    for (const workers of ['1', '2']) {
      const findings = await json(root, ['.', '--workers', workers]);
      expect(
        findings.map((finding) => [finding.file, finding.line, finding.column, finding.decoded]).sort(),
        workers,
      ).toEqual(
        samples
          .map((sample) => [
            `enc/${sample.file}`,
            placeOf(sample.text, sample.at).line,
            placeOf(sample.text, sample.at).column,
            sample.decoded,
          ])
          .sort(),
      );
    }
  });
});
