// Benchmark: `lfk scan` against ripgrep searching the same regex over the same ≥300 MB corpus of
// real third-party text (copies of installed node_modules sources), with planted keys and decoys.
// Prints MB/s for both, their ratio, recall and decoys reported. Run: npm run bench:scan
// `npm run bench:scan -- --against REF` also builds REF in a git worktree under /tmp and times its
// lfk in the same rounds (the two builds alternate going first), then prints lfk / REF and PASS or
// FAIL for "at most 1.10× REF's wall time".
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { KEY_PREFIX, checksumOf, generateKey, randomBase62, sha256Hex } from '../platform/key-format.js';
import { type Worktree, buildWorktree } from './worktree.js';
import { REGEX, ROOT, RULE } from './common.js';

const CORPUS = join(ROOT, 'bench', '.corpus');
const MANIFEST = join(CORPUS, 'manifest.json');
const TARGET_BYTES = 300 * 1024 * 1024;
const PLANTED = 250;
const RUNS = 5;
// --against REF: the build in dist/ may take at most this many times REF's wall time (issue 14).
const MAX_SLOWDOWN = 1.1;
// Formats lfk skips by name (rules/trustleads-api-key.toml): not used as corpus, so both tools see the same files.
const SKIPPED_NAMES =
  /(?:^|\/)(?:package-lock\.json|yarn\.lock|pnpm-lock\.yaml)$|\.(?:png|jpe?g|gif|ico|woff2?|ttf|node|wasm|gz|zip|tgz|o|a|so|pyc)$/i;

interface Manifest {
  bytes: number;
  files: number;
  keys: string[];
  decoys: string[];
}

function main(): void {
  const { values } = parseArgs({ options: { against: { type: 'string' } } });
  // --against REF: REF's build, made in a worktree under /tmp, is timed in the same rounds.
  const against = values.against === undefined ? undefined : buildWorktree(ROOT, values.against);
  try {
    bench(against);
  } finally {
    against?.remove();
  }
}

interface Build {
  label: string;
  args: string[];
  times: number[];
  cpu: number[];
  report: string;
}

function bench(against: Worktree | undefined): void {
  const manifest = existsSync(MANIFEST) ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest) : buildCorpus();
  const rg = spawnSync('rg', ['--version'], { encoding: 'utf8' });
  if (rg.status !== 0) throw new Error('ripgrep (rg) is not installed: apt-get install -y ripgrep');
  const mb = manifest.bytes / 1e6;
  console.log(
    `corpus: ${manifest.files} files, ${mb.toFixed(1)} MB, ${manifest.keys.length} planted keys, ${manifest.decoys.length} decoys`,
  );

  const scanArgs = ['scan', '--no-gitignore', '--format', 'json', '--max-file-size', '0', CORPUS];
  const build = (label: string, dir: string): Build => ({
    label,
    args: [join(dir, 'dist', 'cli', 'main.js'), ...scanArgs],
    times: [],
    cpu: [],
    report: '',
  });
  const current = build('lfk', ROOT);
  const previous = against && build(`lfk ${against.commit}`, against.dir);
  if (against) console.log(`against: ${against.ref} (${against.commit}), built in ${against.dir}`);
  // Same regex; -uu: no ignore files and hidden files too, as lfk --no-gitignore; binary files skipped by both.
  const rgArgs = ['-uu', '--no-messages', '-o', '-n', '--column', REGEX, CORPUS];
  time('warm-up (page cache)', 'rg', rgArgs);
  const rgTimes: number[] = [];
  const rgCpu: number[] = [];
  const floorTimes: number[] = [];
  const floorCpu: number[] = [];
  const floorArgs = [join(ROOT, 'bench', 'node-floor.mjs'), CORPUS];
  // Node's own start, which lfk and the floor pay before any of their code runs.
  const nodeStarts: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    // The two builds take turns at going first, so that neither always runs right after rg.
    const builds = previous ? (run % 2 === 0 ? [current, previous] : [previous, current]) : [current];
    for (const lfk of builds) {
      const timed = time(`${lfk.label} scan #${run + 1}`, process.execPath, lfk.args);
      lfk.times.push(timed.seconds);
      lfk.cpu.push(timed.cpu);
      lfk.report = timed.stdout;
    }
    const rg = time(`rg #${run + 1}`, 'rg', rgArgs);
    rgTimes.push(rg.seconds);
    rgCpu.push(rg.cpu);
    const floor = time(`node floor #${run + 1}`, process.execPath, floorArgs);
    floorTimes.push(floor.seconds);
    floorCpu.push(floor.cpu);
    nodeStarts.push(time(`node -e 0 #${run + 1}`, process.execPath, ['-e', '0']).seconds);
  }
  const fingerprint = (key: string) => `${RULE}:${sha256Hex(key).slice(0, 16)}`;
  const planted = new Set(manifest.keys.map(fingerprint));
  const check = (lfk: Build) => {
    const findings = (JSON.parse(lfk.report) as { findings: Array<{ fingerprint: string }> }).findings;
    const found = new Set(findings.map((finding) => finding.fingerprint));
    const recalled = manifest.keys.filter((key) => found.has(fingerprint(key))).length;
    const decoysReported = manifest.decoys.filter((decoy) => found.has(fingerprint(decoy))).length;
    const unexpected = findings.filter((finding) => !planted.has(finding.fingerprint)).length;
    return {
      recalled,
      decoysReported,
      unexpected,
      ok: recalled === manifest.keys.length && decoysReported === 0 && unexpected === 0,
    };
  };
  const lfkSeconds = median(current.times);
  const rgSeconds = median(rgTimes);
  const width = Math.max(10, (previous?.label.length ?? 0) + 1);
  const line = (lfk: Build) =>
    `${lfk.label.padEnd(width)} ${median(lfk.times).toFixed(2)} s  ${(mb / median(lfk.times)).toFixed(0)} MB/s  ${median(lfk.cpu).toFixed(2)} s CPU  (medians of ${RUNS})`;
  console.log('');
  console.log(line(current));
  if (previous) console.log(line(previous));
  console.log(
    `ripgrep    ${rgSeconds.toFixed(2)} s  ${(mb / rgSeconds).toFixed(0)} MB/s  ${median(rgCpu).toFixed(2)} s CPU  (medians of ${RUNS})`,
  );
  console.log(
    `node floor ${median(floorTimes).toFixed(2)} s  ${(mb / median(floorTimes)).toFixed(0)} MB/s  ${median(floorCpu).toFixed(2)} s CPU  (walk + open/read/keyword search/close on 2 threads, nothing else)`,
  );
  // Node 20 reads and parses the whole CA bundle at start when NODE_EXTRA_CA_CERTS is set.
  const extraCa = process.env.NODE_EXTRA_CA_CERTS
    ? `NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS})`
    : 'NODE_EXTRA_CA_CERTS is not set';
  console.log(`node start ${median(nodeStarts).toFixed(2)} s  (node -e 0, paid by lfk and the floor; ${extraCa})`);
  console.log(
    `ratio      lfk / rg wall time = ${(lfkSeconds / rgSeconds).toFixed(2)} (target ≤ 2); best runs ${(Math.min(...current.times) / Math.min(...rgTimes)).toFixed(2)}; CPU ${(median(current.cpu) / median(rgCpu)).toFixed(2)}`,
  );
  if (previous) {
    const previousSeconds = median(previous.times);
    console.log(
      `           ${previous.label} / rg wall time = ${(previousSeconds / rgSeconds).toFixed(2)}; best runs ${(Math.min(...previous.times) / Math.min(...rgTimes)).toFixed(2)}; CPU ${(median(previous.cpu) / median(rgCpu)).toFixed(2)}`,
    );
  }
  console.log(
    `           node floor / rg = ${(median(floorTimes) / rgSeconds).toFixed(2)}; lfk / node floor = ${(lfkSeconds / median(floorTimes)).toFixed(2)}`,
  );
  let ok = true;
  for (const lfk of previous ? [current, previous] : [current]) {
    const { recalled, decoysReported, unexpected, ok: right } = check(lfk);
    const who = previous ? ` (${lfk.label})` : '';
    console.log(`recall     ${recalled}/${manifest.keys.length} planted keys found${who}`);
    console.log(
      `decoys     ${decoysReported}/${manifest.decoys.length} reported; ${unexpected} findings that are not planted keys${who}`,
    );
    // REF's findings are printed, not judged: only the build in dist/ must be right.
    if (lfk === current) ok = right;
  }
  if (previous) {
    const ratio = lfkSeconds / median(previous.times);
    const perRound = median(current.times.map((seconds, i) => seconds / previous.times[i]!));
    console.log(
      `against    lfk / ${previous.label} wall time = ${ratio.toFixed(3)} (median of per-round ratios ${perRound.toFixed(3)}); CPU ${(median(current.cpu) / median(previous.cpu)).toFixed(3)}`,
    );
    const pass = ratio <= MAX_SLOWDOWN;
    console.log(
      `${pass ? 'PASS' : 'FAIL'}       lfk is ${ratio.toFixed(2)}× ${against!.ref} (${against!.commit}) on medians of ${RUNS}; at most ${MAX_SLOWDOWN.toFixed(2)}× allowed`,
    );
    ok &&= pass;
  }
  process.exitCode = ok ? 0 : 1;
}

// GNU time gives each run's CPU seconds too: on a busy machine wall time follows the load, CPU
// time follows the work.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export function time(
  label: string,
  command: string,
  args: string[],
  where: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { seconds: number; cpu: number; stdout: string } {
  const started = process.hrtime.bigint();
  const run = GNU_TIME
    ? spawnSync(GNU_TIME, ['-f', 'cpu %U %S', command, ...args], {
        encoding: 'utf8',
        maxBuffer: 512 * 1024 * 1024,
        ...where,
      })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, ...where });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const status = GNU_TIME
    ? Number(/exited with non-zero status (\d+)/.exec(run.stderr)?.[1] ?? run.status)
    : run.status;
  // lfk exits 1 and rg 0 when they find something; anything else is a failure.
  if (status === null || status > 1) throw new Error(`${label} failed (${status}): ${run.stderr}`);
  const times = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(run.stderr);
  const cpu = times ? Number(times[1]) + Number(times[2]) : Number.NaN;
  console.log(`${label.padEnd(22)} ${seconds.toFixed(2)} s wall  ${cpu.toFixed(2)} s CPU`);
  return { seconds, cpu, stdout: run.stdout };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Text files of node_modules (no NUL in the first 8 KB), copied into copy-N/ folders until big enough. */
function buildCorpus(): Manifest {
  rmSync(CORPUS, { recursive: true, force: true });
  const sources = textFiles(join(ROOT, 'node_modules'));
  const sourceBytes = sources.reduce((sum, file) => sum + file.size, 0);
  if (sourceBytes === 0) throw new Error('no text files found in node_modules: run npm ci first');
  let bytes = 0;
  const copied: string[] = [];
  for (let copy = 0; bytes < TARGET_BYTES; copy++) {
    for (const source of sources) {
      const target = join(CORPUS, `copy-${copy}`, relative(join(ROOT, 'node_modules'), source.path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(source.path, target);
      copied.push(target);
      bytes += source.size;
    }
  }
  const keys = Array.from({ length: PLANTED }, () => generateKey());
  const decoys = Array.from({ length: PLANTED }, (_, i) => decoy(i));
  const contexts = [
    (key: string) => `const apiKey = "${key}";`,
    (key: string) => `TRUSTLEADS_API_KEY=${key}`,
    (key: string) => `  "token": "${key}",`,
    (key: string) => `Authorization: Bearer ${key}`,
    (key: string) => `fetch("https://api.example/v1/usage?key=${key}")`,
  ];
  // Each planted string goes on a new line at a random line break of a random file.
  const plant = (text: string, index: number) => {
    const file = copied[Math.floor(Math.random() * copied.length)]!;
    const content = readFileSync(file, 'utf8');
    const at = content.indexOf('\n', Math.floor(Math.random() * content.length));
    const cut = at === -1 ? content.length : at + 1;
    writeFileSync(file, `${content.slice(0, cut)}${contexts[index % contexts.length]!(text)}\n${content.slice(cut)}`);
    bytes += Buffer.byteLength(contexts[index % contexts.length]!(text)) + 1;
  };
  keys.forEach(plant);
  decoys.forEach(plant);
  const manifest: Manifest = { bytes, files: copied.length, keys, decoys };
  writeFileSync(MANIFEST, JSON.stringify(manifest));
  return manifest;
}

/** Strings that look like keys but are not: bad checksum, 39 or 41 characters, inside a word, placeholders. */
function decoy(index: number): string {
  const body = randomBase62(34);
  const key = KEY_PREFIX + body + checksumOf(body);
  switch (index % 5) {
    case 0:
      return key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    case 1:
      return key.slice(0, -1);
    case 2:
      return `${key}x`;
    case 3:
      return `my${key}`;
    default:
      return index % 2 === 0 ? 'lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0' : 'lfk_sk_your_key_here';
  }
}

/** Text files under `dir` (no NUL in the first 8 KB), without lock files and binary formats. */
export function textFiles(dir: string): Array<{ path: string; size: number }> {
  const found: Array<{ path: string; size: number }> = [];
  const head = Buffer.alloc(8000);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (SKIPPED_NAMES.test(path) || path.includes('/.git/')) continue;
    const fd = openSync(path, 'r');
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    if (n > 0 && !head.subarray(0, n).includes(0)) found.push({ path, size: statSync(path).size });
  }
  return found;
}

// Run when started as a script; other benches may import textFiles.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
