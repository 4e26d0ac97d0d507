// lfk scan over compressed files and archives (docs/scanner.md#compressed-files-and-archives), each
// built with the real tool around a fresh key: the key is found once, at the `!` path, with line
// and column inside the entry.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import {
  describeWithTools,
  envText,
  folder,
  KEY_COLUMN,
  KEY_LINE,
  scanJson,
  sh,
  where,
  write,
} from './unpack-fixtures.js';
import { runLfk } from './run-lfk.js';

describeWithTools('lfk scan: compressed files and archives', { timeout: 60_000 }, () => {
  const key = generateKey();
  let root: string;

  beforeAll(() => {
    root = folder({ 'src/conf/prod.env': envText(key), 'src/readme.txt': 'nothing here\n' });
    const out = join(root, 'out');
    mkdirSync(out);
    const src = join(root, 'src');
    sh('gzip -c conf/prod.env > ../out/prod.env.gz', src);
    sh('bzip2 -c conf/prod.env > ../out/prod.env.bz2', src);
    sh('xz -c conf/prod.env > ../out/prod.env.xz', src);
    sh('zstd -q -c conf/prod.env > ../out/prod.env.zst', src);
    sh('zip -q -r ../out/app.zip conf readme.txt', src);
    sh('tar cf ../out/app.tar conf readme.txt', src);
    sh('tar czf ../out/app.tgz conf readme.txt', src);
    sh('tar cjf ../out/app.tar.bz2 conf readme.txt', src);
    sh('tar cJf ../out/app.tar.xz conf readme.txt', src);
    sh('tar --zstd -cf ../out/app.tar.zst conf readme.txt', src);
  });

  it('finds the key once in every format, at the ! path, line and column inside the entry', async () => {
    const scan = await scanJson(['out'], root);
    expect(scan.run.code).toBe(1);
    expect(scan.warnings).toEqual([]);
    expect(where(scan.findings)).toEqual(
      [
        'out/app.tar!conf/prod.env',
        'out/app.tar.bz2!conf/prod.env',
        'out/app.tar.xz!conf/prod.env',
        'out/app.tar.zst!conf/prod.env',
        'out/app.tgz!conf/prod.env',
        'out/app.zip!conf/prod.env',
        'out/prod.env.bz2',
        'out/prod.env.gz',
        'out/prod.env.xz',
        'out/prod.env.zst',
      ].map((file) => [file, KEY_LINE, KEY_COLUMN]),
    );
    expect(scan.findings.every((finding) => finding.secret === key)).toBe(true);
    // Each leaf is a file of the stats: 6 archives × 2 entries + 4 compressed files.
    expect(scan.stats.files).toBe(16);
  });

  it('the same in worker threads', async () => {
    const inline = await scanJson(['out'], root);
    const pooled = await scanJson(['out', '--workers', '2'], root);
    expect(where(pooled.findings)).toEqual(where(inline.findings));
  });

  it('nested tar.gz → zip → .env, named through every level', async () => {
    const cwd = folder({ 'b/bundle/conf/prod.env': envText(key), 'b/bundle/notes.md': '# notes\n' });
    sh('cd b/bundle && zip -q -r config.zip conf && rm -r conf', cwd);
    sh('mkdir release && tar czf release/bundle.tar.gz -C b bundle && rm -r b', cwd);
    const scan = await scanJson([], cwd);
    expect(where(scan.findings)).toEqual([
      ['release/bundle.tar.gz!bundle/config.zip!conf/prod.env', KEY_LINE, KEY_COLUMN],
    ]);
    // SARIF: the same path as the artifact URI; text: the same path on the finding's line.
    const sarif = JSON.parse((await runLfk(['scan', '--format', 'sarif'], { cwd })).stdout);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
      'release/bundle.tar.gz!bundle/config.zip!conf/prod.env',
    );
    const text = await runLfk(['scan'], { cwd });
    expect(text.stdout).toContain(`release/bundle.tar.gz!bundle/config.zip!conf/prod.env:${KEY_LINE}:${KEY_COLUMN}`);
  });

  it('zip-based formats (jar, docx) and an npm package tarball', async () => {
    const cwd = folder({
      'jar/META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\n',
      'jar/application.properties': `server.port=8080\napi.key=${key}\n`,
      'docx/[Content_Types].xml': '<?xml version="1.0"?><Types/>\n',
      'docx/word/document.xml': `<?xml version="1.0"?>\n<w:document><w:t>key ${key}</w:t></w:document>\n`,
      'pkg/package.json': JSON.stringify({ name: 'tiny-leak', version: '1.0.0', files: ['config.js'] }),
      'pkg/config.js': `export const config = {\n  key: '${key}',\n};\n`,
    });
    sh('cd jar && zip -q -r ../app.jar . && cd .. && rm -r jar', cwd);
    sh('cd docx && zip -q -r ../report.docx . && cd .. && rm -r docx', cwd);
    sh('cd pkg && npm pack --silent --pack-destination .. > /dev/null && cd .. && rm -r pkg', cwd);
    const scan = await scanJson([], cwd);
    expect(where(scan.findings)).toEqual([
      ['app.jar!application.properties', 2, 9],
      ['report.docx!word/document.xml', 2, 22],
      ['tiny-leak-1.0.0.tgz!package/config.js', 2, 9],
    ]);
  });

  it('entry names as stored: ../, absolute and control characters, escaped only on a terminal', async () => {
    const cwd = folder({ 'a.env': envText(key) });
    // GNU tar keeps such names with -P and a transform; the archive holds them byte for byte.
    sh(`tar -P --transform 's,^a.env$,../../etc/evil.env,' -cf slip.tar a.env`, cwd);
    sh(`tar -P --transform 's,^a.env$,/abs/evil.env,' -cf abs.tar a.env`, cwd);
    sh(`tar -P --transform "s,^a.env$,conf/$(printf '\\033')[31mred.env," -cf ctl.tar a.env`, cwd);
    sh('rm a.env', cwd);
    const scan = await scanJson([], cwd);
    expect(where(scan.findings)).toEqual([
      ['abs.tar!/abs/evil.env', KEY_LINE, KEY_COLUMN],
      ['ctl.tar!conf/\x1b[31mred.env', KEY_LINE, KEY_COLUMN],
      ['slip.tar!../../etc/evil.env', KEY_LINE, KEY_COLUMN],
    ]);
    const text = await runLfk(['scan'], { cwd });
    expect(text.stdout).toContain('ctl.tar!conf/\\x1b[31mred.env');
    expect(text.stdout).not.toContain('\x1b');
  });

  it('--max-archive-depth 0 skips archives as before; bad values are usage errors', async () => {
    const scan = await scanJson(['out', '--max-archive-depth', '0'], root);
    expect(scan.findings).toEqual([]);
    expect(scan.stats.binary).toBeGreaterThan(0);
    for (const args of [
      ['--max-archive-depth=-1'],
      ['--max-archive-depth', 'deep'],
      ['--max-archive-bytes', '0'],
      ['--max-archive-bytes', 'lots'],
    ]) {
      const run = await runLfk(['scan', ...args], { cwd: root });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^lfk: ${args[0]!.split('=')[0]} must be`));
    }
  });

  it('a file named like an archive but holding text is scanned as text, and a tarball named .txt is opened', async () => {
    const cwd = folder({ 'fake.zip': envText(key), 'src/x.env': envText(key) });
    sh('tar cf notes.txt -C src x.env && rm -r src', cwd);
    const scan = await scanJson([], cwd);
    expect(where(scan.findings)).toEqual([
      ['fake.zip', KEY_LINE, KEY_COLUMN],
      ['notes.txt!x.env', KEY_LINE, KEY_COLUMN],
    ]);
  });

  it('a key across the 1 MiB chunks of a big entry is found once', async () => {
    const cwd = folder();
    const filler = `${'x'.repeat(99)}\n`.repeat(30_000);
    writeFileSync(join(cwd, 'big.log'), `${filler}key=${key}\n${filler}`);
    sh('gzip big.log', cwd);
    write(cwd, {});
    const scan = await scanJson([], cwd);
    expect(where(scan.findings)).toEqual([['big.log.gz', 30_001, 5]]);
  });
  it('tar in v7, GNU and pax formats (long names), concatenated gzip and bzip2 streams, bzip2 in a zip', async () => {
    const long = `${'deep/'.repeat(30)}prod.env`;
    const filler = '# padding so zip compresses it\n'.repeat(200);
    const cwd = folder({
      'v7/prod.env': envText(key),
      [`long/${long}`]: envText(key),
      'z/prod.env': `${envText(key)}${filler}`,
    });
    sh(
      'tar --format=v7 -cf v7.tar -C v7 prod.env && tar --format=gnu -cf gnu.tar -C long deep && tar --format=pax -cf pax.tar -C long deep',
      cwd,
    );
    sh('printf "first\\n" | gzip > a.gz && gzip -c v7/prod.env > b.gz && cat a.gz b.gz > two.gz && rm a.gz b.gz', cwd);
    sh(
      'printf "first\\n" | bzip2 > a.bz2 && bzip2 -c v7/prod.env > b.bz2 && cat a.bz2 b.bz2 > two.bz2 && rm a.bz2 b.bz2',
      cwd,
    );
    sh('cd z && zip -q -Z bzip2 ../bz.zip prod.env && cd .. && rm -r v7 long z', cwd);
    const scan = await scanJson([], cwd);
    expect(scan.warnings).toEqual([]);
    expect(where(scan.findings)).toEqual([
      ['bz.zip!prod.env', KEY_LINE, KEY_COLUMN],
      [`gnu.tar!${long}`, KEY_LINE, KEY_COLUMN],
      [`pax.tar!${long}`, KEY_LINE, KEY_COLUMN],
      // One stream: the second member's lines follow the first's.
      ['two.bz2', KEY_LINE + 1, KEY_COLUMN],
      ['two.gz', KEY_LINE + 1, KEY_COLUMN],
      ['v7.tar!prod.env', KEY_LINE, KEY_COLUMN],
    ]);
  });
});
