// The streaming patch parser alone: the same findings however git's output is cut into chunks,
// long added lines in pieces, and C-quoted paths.
import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../rules/load.js';
import { LONG_LINE_BYTES, PatchParser, unquoteC } from '../../scanner/sources/git-patch.js';
import type { Finding } from '../../scanner/types.js';
import { detectorFor } from '../../scanner/validators.js';
import { newKey } from './repo.js';

async function parse(patch: Buffer, chunk: number, maxFileSize = 0) {
  const detector = detectorFor(await loadRuleSet(undefined));
  const findings: Finding[] = [];
  const warnings: string[] = [];
  const parser = new PatchParser(detector, {
    maxFileSize,
    onFragment: (f) => findings.push(...detector.detect(f)),
    onWarning: (w) => warnings.push(w),
  });
  for (let at = 0; at < patch.length; at += chunk) parser.push(patch.subarray(at, at + chunk));
  const stats = parser.end();
  return { findings: findings.map((f) => [f.file, f.line, f.column, f.secret, f.commit?.commit]), stats, warnings };
}

describe('PatchParser', () => {
  const k1 = newKey();
  const k2 = newKey();
  const k3 = newKey();
  const sha = 'a'.repeat(40);
  const patch = Buffer.from(
    [
      `\0${sha}\0Ada\0ada@example.com\x002026-01-01T00:00:00+00:00`,
      '',
      'diff --git a/x.txt b/x.txt',
      'index 1..2 100644',
      '--- a/x.txt',
      '+++ b/x.txt',
      '@@ -1 +1,2 @@',
      `-old ${k3}`,
      `+new ${k1}`,
      '+plain',
      '\\ No newline at end of file',
      '@@ -10,0 +12 @@ context',
      `+++ b/not-a-header ${k2}`,
      'diff --git "a/q\\"\\303\\274" "b/q\\"\\303\\274"',
      '--- /dev/null',
      '+++ "b/q\\"\\303\\274"',
      '@@ -0,0 +1 @@',
      `+${k2}`,
      'diff --git a/gone b/gone',
      '--- a/gone',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      `-${k3}`,
      'diff --git a/b.bin b/b.bin',
      'Binary files a/b.bin and b/b.bin differ',
      '',
    ].join('\n'),
  );
  const expected = [
    ['x.txt', 1, 5, k1, sha],
    ['x.txt', 12, 19, k2, sha],
    ['q"ü', 1, 1, k2, sha],
  ];

  it('finds only added lines, at their new line numbers, whatever the chunk size', async () => {
    for (const chunk of [1, 7, 64, 4096, patch.length]) {
      const { findings, stats } = await parse(patch, chunk);
      expect(findings, `chunk ${chunk}`).toEqual(expected);
      expect(stats).toMatchObject({ commits: 1, binary: 1, files: 2 });
    }
  });

  it('streams an added line longer than the long-line limit in pieces', async () => {
    const long = Buffer.from(`+${'y'.repeat(LONG_LINE_BYTES * 2 + 123)} ${k1} ${'z'.repeat(5000)}\n`);
    const input = Buffer.concat([
      Buffer.from('diff --git a/l b/l\n--- a/l\n+++ b/l\n@@ -0,0 +7,2 @@\n'),
      long,
      Buffer.from(`+${k2}\n`),
    ]);
    const { findings } = await parse(input, 65536);
    expect(findings).toEqual([
      ['l', 7, LONG_LINE_BYTES * 2 + 125, k1, undefined],
      ['l', 8, 1, k2, undefined],
    ]);
  });

  it('drops the rest of a file diff past maxFileSize, with a warning', async () => {
    const input = Buffer.from(
      `diff --git a/m b/m\n--- a/m\n+++ b/m\n@@ -0,0 +1,3 @@\n+${k1}\n+${'p'.repeat(100)}\n+${k2}\n`,
    );
    const { findings, stats, warnings } = await parse(input, 10, 80);
    expect(findings.map((f) => f[3])).toEqual([k1]);
    expect(stats.skipped).toBe(1);
    expect(warnings).toEqual(["m: adds more than --max-file-size 80 bytes; the rest of this file's diff is skipped"]);
  });

  it('unquotes git paths', () => {
    expect(unquoteC('"b/a\\tb\\nc\\\\d\\"e"')).toBe('b/a\tb\nc\\d"e');
    expect(unquoteC('"b/\\303\\244"')).toBe('b/ä');
  });
});
