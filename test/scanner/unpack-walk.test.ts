// The walk (scanner/unpack/unpack.ts) with its limits set low, and the scanner reading leaves
// partly: inputs built with the real tools, keys generated at run time.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import { loadBuiltinRuleSet } from '../../rules/load.js';
import { scanFiles } from '../../scanner/scan-files.js';
import { unpack, type UnpackLimits } from '../../scanner/unpack/unpack.js';
import { createFinder } from '../../scanner/finder.js';
import { describeWithTools, envText, folder, KEY_COLUMN, KEY_LINE, sh } from './unpack-fixtures.js';

async function leaves(path: string, file: string, limits: Partial<UnpackLimits> = {}) {
  const warnings: string[] = [];
  const found: Array<{ path: string; bytes: number }> = [];
  for await (const leaf of unpack({ path, file }, limits, warnings)) {
    let bytes = 0;
    for await (const chunk of leaf.chunks) bytes += chunk.length;
    found.push({ path: leaf.path, bytes });
  }
  return { found, warnings };
}

describeWithTools('the unpacking walk', () => {
  const key = generateKey();
  const detector = createFinder(loadBuiltinRuleSet());
  const archives = { maxArchiveDepth: 4, maxArchiveBytes: 1024 ** 3 };

  it('stops at maxEntries in a zip, with the count in the warning', async () => {
    const cwd = folder(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f/${i}.txt`, `${i}\n`])));
    sh('cd f && zip -q ../ten.zip *.txt', cwd);
    const walk = await leaves(join(cwd, 'ten.zip'), 'ten.zip', { maxEntries: 5 });
    expect(walk.found.map((leaf) => leaf.path)).toEqual(['0', '1', '2', '3', '4'].map((i) => `ten.zip!${i}.txt`));
    expect(walk.warnings).toEqual(['ten.zip: 10 entries, more than 5; the rest are not scanned']);
  });

  it('a zip inside a tar over maxNestedZipBytes is not opened; the tar goes on', async () => {
    const cwd = folder({
      'd/conf/prod.env': `${envText(key)}${randomBytes(3000).toString('base64')}\n`,
      'd/after.env': envText(key),
    });
    sh('cd d && zip -q -0 inner.zip conf/prod.env && tar cf ../t.tar inner.zip after.env', cwd);
    const walk = await leaves(join(cwd, 't.tar'), 't.tar', { maxNestedZipBytes: 1000 });
    expect(walk.found.map((leaf) => leaf.path)).toEqual(['t.tar!after.env']);
    expect(walk.warnings).toEqual([
      't.tar!inner.zip: zip inside an archive over 1000 bytes (it is read from memory), not opened',
    ]);
    expect((await leaves(join(cwd, 't.tar'), 't.tar')).found.map((leaf) => leaf.path)).toEqual([
      't.tar!inner.zip!conf/prod.env',
      't.tar!after.env',
    ]);
  });

  it('a small file that compresses very well is not cut by the ratio (judged past 1 MiB only)', async () => {
    const cwd = folder({ 'spaces.txt': ' '.repeat(900_000) });
    sh('xz -k spaces.txt && zstd -q -19 spaces.txt -o spaces.txt.zst && bzip2 -k spaces.txt', cwd);
    for (const name of ['spaces.txt.xz', 'spaces.txt.zst', 'spaces.txt.bz2']) {
      const walk = await leaves(join(cwd, name), name);
      expect(walk.warnings, name).toEqual([]);
      expect(walk.found, name).toEqual([{ path: name, bytes: 900_000 }]);
    }
  });

  it('the scanner searches a binary entry as bytes to its end, and the next entry is whole', async () => {
    // The key sits 3 MiB into random bytes, past the sniff and across the 1 MiB reads.
    const blob = Buffer.concat([
      randomBytes(3 << 20).map((byte) => (byte === 0x0a ? 0 : byte)),
      Buffer.from(`\n\0${key}\0`),
    ]);
    const cwd = folder({ 'd/blob.bin': blob, 'd/z.env': envText(key) });
    sh('cd d && tar czf ../mixed.tgz blob.bin z.env && zip -q ../mixed.zip blob.bin z.env', cwd);
    for (const name of ['mixed.tgz', 'mixed.zip']) {
      const result = await scanFiles([{ path: join(cwd, name), file: name }], detector, { maxFileSize: 0, archives });
      expect(
        result.findings.map((finding) => [finding.file, finding.line, finding.column, finding.binary ?? false]),
      ).toEqual([
        [`${name}!blob.bin`, 2, 2, true],
        [`${name}!z.env`, KEY_LINE, KEY_COLUMN, false],
      ]);
      expect(result.stats).toMatchObject({ files: 2, binary: 1 });
      expect(result.warnings).toEqual([]);
    }
  });

  it('--max-file-size cuts a long entry and keeps what was found before the cut', async () => {
    const cwd = folder();
    writeFileSync(join(cwd, 'log.txt'), `${envText(key)}${'x'.repeat(2 << 20)}\n`);
    sh('gzip log.txt', cwd);
    const result = await scanFiles([{ path: join(cwd, 'log.txt.gz'), file: 'log.txt.gz' }], detector, {
      maxFileSize: 1 << 20,
      archives,
    });
    expect(result.findings.map((finding) => finding.file)).toEqual(['log.txt.gz']);
    expect(result.warnings).toEqual([`log.txt.gz: over --max-file-size ${1 << 20} bytes; the rest is not scanned`]);
  });
});
