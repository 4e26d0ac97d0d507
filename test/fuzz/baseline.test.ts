// Property tests of the JSON report reader behind `lfk scan --baseline` (scanner/ignores.ts):
// any bytes and any JSON give the fingerprints or an Error naming --baseline and the file, never a
// crash; a report lfk wrote reads back to its fingerprints; and the CLI turns a bad baseline into
// exit code 2 with that message.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBaseline } from '../../scanner/ignores.js';
import { jsonReport } from '../../scanner/report/json.js';
import type { Finding } from '../../scanner/types.js';
import { runLfk } from '../scanner/run-lfk.js';
import { FUZZ_SEED } from './seed.js';

const dir = mkdtempSync(join(tmpdir(), 'lfk-fuzz-baseline-'));
const file = join(dir, 'baseline.json');

/** The entries read, or the error message (which must be an Error about this --baseline file). */
function read(content: string | Buffer): string[] | string {
  writeFileSync(file, content);
  try {
    return readBaseline(file).map((entry) => entry.fingerprint);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).constructor).toBe(Error);
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(
        `^--baseline ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (cannot read it as a JSON report|not an lfk JSON report)`,
      ),
    );
    return message;
  }
}

const fingerprint = fc.stringMatching(/^trustleads-api-key:[0-9a-f]{16}$/);

describe('--baseline reader properties', () => {
  it('any bytes: fingerprints or a clear error (1000 runs)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
          fc.string({ unit: 'binary', maxLength: 400 }),
        ),
        (content) => {
          read(content);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
  });

  it('any JSON value, and reports with findings of any shape: the string fingerprints or a clear error (1000 runs)', () => {
    const finding = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({ fingerprint: fc.oneof(fingerprint, fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.record(
            {
              version: fc.jsonValue({ maxDepth: 1 }),
              findings: fc.oneof(fc.array(finding, { maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
            },
            { requiredKeys: [] },
          ),
        ),
        (value) => {
          const result = read(JSON.stringify(value));
          const findings = (value as { findings?: unknown } | null)?.findings;
          if (Array.isArray(findings)) {
            const expected = findings.flatMap((item) => {
              const print = (item as { fingerprint?: unknown } | null)?.fingerprint;
              return typeof print === 'string' ? [print] : [];
            });
            expect(result).toEqual(expected);
          } else expect(result).toMatch(/not an lfk JSON report/);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
  });

  it('a JSON report lfk wrote reads back to its fingerprints, in order (1000 runs)', () => {
    const findingOf = fc
      .record({
        print: fingerprint,
        line: fc.integer({ min: 1, max: 10_000 }),
        file: fc.string({ minLength: 1, maxLength: 30 }),
      })
      .map(
        ({ print, line, file: path }): Finding => ({
          ruleId: 'trustleads-api-key',
          file: path,
          line,
          column: 1,
          endLine: line,
          endColumn: 48,
          secret: 'lfk_sk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          fingerprint: print,
          checksum: 'valid',
        }),
      );
    fc.assert(
      fc.property(fc.array(findingOf, { maxLength: 8 }), (findings) => {
        const report = jsonReport({
          findings,
          stats: { files: 1, bytes: 1, skipped: 0, binary: 0 },
          durationMs: 1,
          redact: true,
          toolVersion: '0.0.0',
        });
        expect(read(report)).toEqual(findings.map((finding) => finding.fingerprint));
      }),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
  });

  it('regression (found by the second property): a baseline holding `null` is "not an lfk JSON report", not a TypeError', async () => {
    expect(read('null')).toBe(`--baseline ${file}: not an lfk JSON report (no "findings" array)`);
    // Before, the CLI printed "lfk: Cannot read properties of null (reading 'findings')".
    writeFileSync(join(dir, 'clean.txt'), 'nothing here\n');
    const run = await runLfk(['scan', '--baseline', file, 'clean.txt'], { cwd: dir });
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr: `lfk: --baseline ${file}: not an lfk JSON report (no "findings" array)\n`,
    });
  });

  it('through `lfk scan --baseline`: random content exits 2 with the --baseline message or scans (20 runs, one process each)', async () => {
    writeFileSync(join(dir, 'clean.txt'), 'nothing here\n');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constant('null'),
          fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
          fc.string({ unit: 'binary', maxLength: 200 }),
        ),
        async (content) => {
          writeFileSync(file, content);
          const run = await runLfk(['scan', '--baseline', file, 'clean.txt'], { cwd: dir });
          if (run.code === 0)
            expect(Array.isArray((JSON.parse(content) as { findings?: unknown } | null)?.findings)).toBe(true);
          else {
            expect(run.code, run.stderr).toBe(2);
            expect(run.stderr).toMatch(/^lfk: --baseline .*: (cannot read it as a JSON report|not an lfk JSON report)/);
          }
        },
      ),
      { seed: FUZZ_SEED, numRuns: 20 },
    );
  }, 60_000);
});
