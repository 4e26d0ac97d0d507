// Benchmark: `lfk scan` over compressed files and archives against ripgrep's own search through
// them (`rg -z`, which decompresses gzip and searches a tarball as one stream). The corpus: real
// packages from node_modules packed with `npm pack` (npm tarballs, .tgz), plus gzip'd logs, with
// keys planted inside. Prints the wall-time ratio and lfk's recall. Run: npm run bench:archives
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateKey, sha256Hex } from '../platform/key-format.js';
import { LFK, REGEX, ROOT, RULE } from './common.js';

const CORPUS = join(ROOT, 'bench', '.archive-corpus');
const MANIFEST = join(CORPUS, 'manifest.json');
const PACKAGES = 60;
const LOGS = 20;
const LOG_LINES = 40_000;
const RUNS = 3;

interface Manifest {
  bytes: number;
  files: number;
  keys: string[];
}

function main(): void {
  const manifest = existsSync(MANIFEST) ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest) : buildCorpus();
  if (spawnSync('rg', ['--version']).status !== 0)
    throw new Error('ripgrep (rg) is not installed: apt-get install -y ripgrep');
  console.log(
    `corpus: ${manifest.files} archives (npm tarballs and gzip'd logs), ${(manifest.bytes / 1e6).toFixed(1)} MB on disk, ${manifest.keys.length} planted keys`,
  );
  const lfkArgs = [LFK, 'scan', '--no-gitignore', '--format', 'json', '--max-file-size', '0', join(CORPUS, 'files')];
  const rgArgs = ['-z', '--no-ignore', '-c', REGEX, join(CORPUS, 'files')];
  time('rg', rgArgs); // warm the page cache
  const lfkTimes: number[] = [];
  const rgTimes: number[] = [];
  let report = '';
  for (let run = 0; run < RUNS; run++) {
    const lfk = time(process.execPath, lfkArgs);
    lfkTimes.push(lfk.seconds);
    report = lfk.stdout;
    rgTimes.push(time('rg', rgArgs).seconds);
  }
  const findings = (JSON.parse(report) as { findings: Array<{ fingerprint: string; file: string }> }).findings;
  const found = new Set(findings.map((finding) => finding.fingerprint));
  const recalled = manifest.keys.filter((key) => found.has(`${RULE}:${sha256Hex(key).slice(0, 16)}`)).length;
  const lfkSeconds = median(lfkTimes);
  const rgSeconds = median(rgTimes);
  console.log(
    `lfk scan  ${lfkSeconds.toFixed(2)} s  (median of ${RUNS}: ${lfkTimes.map((t) => t.toFixed(2)).join(', ')})`,
  );
  console.log(
    `rg -z     ${rgSeconds.toFixed(2)} s  (median of ${RUNS}: ${rgTimes.map((t) => t.toFixed(2)).join(', ')})`,
  );
  console.log(`ratio     lfk / rg -z wall time = ${(lfkSeconds / rgSeconds).toFixed(2)}`);
  console.log(
    `recall    ${recalled}/${manifest.keys.length} planted keys found by lfk (${findings.length} findings, e.g. ${findings[0]?.file ?? '-'})`,
  );
}

/** npm tarballs of real packages with a key in each README, and gzip'd logs with keys in them. */
function buildCorpus(): Manifest {
  rmSync(CORPUS, { recursive: true, force: true });
  const files = join(CORPUS, 'files');
  const work = join(CORPUS, 'work');
  mkdirSync(files, { recursive: true });
  const keys: string[] = [];
  const packages = readdirSync(join(ROOT, 'node_modules'))
    .filter(
      (name) =>
        !name.startsWith('.') && !name.startsWith('@') && existsSync(join(ROOT, 'node_modules', name, 'package.json')),
    )
    .map((name) => ({ name, size: folderSize(join(ROOT, 'node_modules', name)) }))
    .sort((a, b) => b.size - a.size)
    .slice(0, PACKAGES);
  for (const { name } of packages) {
    const copy = join(work, name);
    cpSync(join(ROOT, 'node_modules', name), copy, { recursive: true, dereference: false });
    rmSync(join(copy, 'node_modules'), { recursive: true, force: true });
    const key = generateKey();
    keys.push(key);
    // npm always packs the README, whatever the package's `files` field says.
    appendFileSync(join(copy, 'README.md'), `\n\nexport TRUSTLEADS_API_KEY=${key}\n`);
    // A package's own tooling demands (devEngines: "use pnpm") are not ours to meet.
    const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as Record<string, unknown>;
    delete manifest.devEngines;
    delete manifest.packageManager;
    writeFileSync(join(copy, 'package.json'), JSON.stringify(manifest));
    const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', files], {
      cwd: copy,
      encoding: 'utf8',
    });
    if (packed.status !== 0) throw new Error(`npm pack ${name} failed: ${packed.stderr}`);
  }
  for (let index = 0; index < LOGS; index++) {
    const lines: string[] = [];
    const key = generateKey();
    keys.push(key);
    const at = Math.floor(Math.random() * LOG_LINES);
    for (let line = 0; line < LOG_LINES; line++) {
      lines.push(
        `2026-12-03T10:${String(line % 60).padStart(2, '0')}:00Z INFO request ${line} GET /v1/usage 200 ${line % 97} ms${line === at ? ` Authorization: Bearer ${key}` : ''}`,
      );
    }
    writeFileSync(join(files, `app-${index}.log.gz`), gzipSync(`${lines.join('\n')}\n`));
  }
  rmSync(work, { recursive: true, force: true });
  const names = readdirSync(files);
  const manifest: Manifest = {
    bytes: names.reduce((sum, name) => sum + statSync(join(files, name)).size, 0),
    files: names.length,
    keys,
  };
  writeFileSync(MANIFEST, JSON.stringify(manifest));
  return manifest;
}

function folderSize(folder: string): number {
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) total += entry.name === 'node_modules' ? 0 : folderSize(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

function time(command: string, args: string[]): { seconds: number; stdout: string } {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.status !== 0 && run.status !== 1) throw new Error(`${command} failed (${run.status}): ${run.stderr}`);
  return { seconds, stdout: run.stdout };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

main();
