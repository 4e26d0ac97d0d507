// Benchmark: `lfk scan --git --all` against `git log -p -U0 --all | rg REGEX` on a long history of
// real text, and `lfk scan --staged` against git-secrets' pre-commit hook on a 10-file commit.
// Run: npm run bench:history
//
// The history is made with git fast-import from the installed node_modules: each package's text
// files arrive over several commits (each commit appends the next part of every file, so diffs are
// real lines), packages installed in several versions are committed version after version at the
// same paths (real changes), one branch is merged back, and keys are planted in a few commits.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateKey } from '../platform/key-format.js';
import { median, textFiles, time as timeRun } from './scan.js';
import { GIT_ENV, LFK, REGEX, ROOT } from './common.js';

const WORK = join(ROOT, 'bench', '.work', 'history');
const REPO = join(WORK, 'repo.git');
const MANIFEST = join(WORK, 'manifest.json');
const PARTS = 4;
/** Text taken from node_modules (the patch is about this size: every line is added once). */
const TEXT_BYTES = 120 * 1024 * 1024;
const PLANTED = 20;
const RUNS = 5;

export interface Manifest {
  commits: number;
  bytes: number;
  /** key → the commit that adds it. */
  planted: Record<string, string>;
}

function main(): void {
  for (const tool of ['rg', 'git'])
    if (spawnSync(tool, ['--version']).status !== 0) throw new Error(`${tool} is not installed`);
  const { manifest } = historyRepository();
  const logBytes = manifest.bytes;
  console.log(
    `history: ${manifest.commits} commits, git log -p -U0 --all = ${(logBytes / 1e6).toFixed(1)} MB, ${Object.keys(manifest.planted).length} planted keys`,
  );
  benchHistory(manifest);
  benchStaged();
}

function benchHistory(manifest: Manifest): void {
  const lfkArgs = [LFK, 'scan', '--git', '--all', '--format', 'json', '--no-redact'];
  const pipeline = `git log -p -U0 --all | rg -o '${REGEX}'`;
  time('warm-up (page cache)', 'sh', ['-c', pipeline], REPO);
  const [lfk, rg] = alternate(
    RUNS,
    REPO,
    ['lfk scan --git --all', process.execPath, lfkArgs],
    ['git log | rg', 'sh', ['-c', pipeline]],
  );
  const findings = (
    JSON.parse(lfk.stdout) as { findings: Array<{ secret: string; commit: string }>; stats: { commits: number } }
  ).findings;
  const right = Object.entries(manifest.planted).filter(([key, commit]) =>
    findings.some((f) => f.secret === key && f.commit === commit),
  ).length;
  const mb = manifest.bytes / 1e6;
  console.log('');
  console.log(
    `lfk scan --git --all     ${median(lfk.wall).toFixed(2)} s  ${(mb / median(lfk.wall)).toFixed(0)} MB/s of patch  ${median(lfk.cpu).toFixed(2)} s CPU (medians of ${RUNS})`,
  );
  console.log(
    `git log -p -U0 | rg      ${median(rg.wall).toFixed(2)} s  ${(mb / median(rg.wall)).toFixed(0)} MB/s of patch  ${median(rg.cpu).toFixed(2)} s CPU (medians of ${RUNS})`,
  );
  console.log(`ratio                    ${ratios(lfk, rg)} (target ≤ 1.5)`);
  console.log(
    `recall                   ${right}/${Object.keys(manifest.planted).length} planted keys found with the commit that added them; ${findings.length} findings in all`,
  );
  if (right !== Object.keys(manifest.planted).length || findings.length !== right) process.exitCode = 1;
}

/** A 10-file commit: lfk scan --staged against git-secrets' pre-commit hook (both through git's own hook call path). */
function benchStaged(): void {
  if (spawnSync('git', ['secrets', '--list'], { env: GIT_ENV }).error || spawnSync('git-secrets', ['--help']).error) {
    console.log('\ngit-secrets is not installed (apt-get install -y git-secrets): staged comparison skipped');
    return;
  }
  const repo = join(WORK, 'staged');
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => {
    const run = spawnSync('git', args, { cwd: repo, env: GIT_ENV, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Bench');
  git('config', 'user.email', 'bench@example.com');
  git('config', 'commit.gpgsign', 'false');
  // git-secrets' own pattern for lfk keys (its patterns are egrep regexes).
  git('secrets', '--add', 'lfk_sk_[0-9A-Za-z]{40}');
  const sources = textFiles(join(ROOT, 'node_modules')).filter((file) => file.size > 2000 && file.size < 200_000);
  const pick = (n: number, from: number) => sources.slice(from, from + n);
  for (const [i, file] of pick(200, 0).entries())
    writeAt(repo, `base/${i}-${baseName(file.path)}`, readFileSync(file.path));
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  const ten = pick(10, 500);
  for (const [i, file] of ten.entries()) writeAt(repo, `change/${i}-${baseName(file.path)}`, readFileSync(file.path));
  git('add', '-A');
  const stagedBytes = ten.reduce((sum, file) => sum + file.size, 0);
  console.log(`\nstaged: 10 files, ${(stagedBytes / 1024).toFixed(0)} KiB, in a repository of 200 committed files`);
  const [lfk, secrets] = alternate(
    RUNS * 2,
    repo,
    ['lfk scan --staged', process.execPath, [LFK, 'scan', '--staged']],
    ['git secrets --pre_commit_hook', 'git', ['secrets', '--pre_commit_hook', '--']],
  );
  // Both block a staged key.
  writeAt(repo, 'change/leak.env', `KEY=${generateKey()}\n`);
  git('add', '-A');
  const lfkBlocks = spawnSync(process.execPath, [LFK, 'scan', '--staged'], { cwd: repo, env: GIT_ENV }).status === 1;
  const secretsBlocks =
    spawnSync('git', ['secrets', '--pre_commit_hook', '--'], { cwd: repo, env: GIT_ENV }).status !== 0;
  console.log('');
  console.log(
    `lfk scan --staged                 ${(median(lfk.wall) * 1000).toFixed(0)} ms wall  ${(median(lfk.cpu) * 1000).toFixed(0)} ms CPU (medians of ${RUNS * 2})`,
  );
  console.log(
    `git secrets --pre_commit_hook     ${(median(secrets.wall) * 1000).toFixed(0)} ms wall  ${(median(secrets.cpu) * 1000).toFixed(0)} ms CPU (medians of ${RUNS * 2})`,
  );
  console.log(`ratio                             ${ratios(lfk, secrets)}`);
  console.log(
    `a staged key blocks the commit:   lfk ${lfkBlocks ? 'yes' : 'NO'}, git-secrets ${secretsBlocks ? 'yes' : 'NO'}`,
  );
}

/** bench/scan.ts's timer (GNU time adds CPU seconds, git's and rg's included), here in `cwd` with git's test config. */
function time(
  label: string,
  command: string,
  args: string[],
  cwd: string,
): { seconds: number; cpu: number; stdout: string } {
  return timeRun(label, command, args, { cwd, env: GIT_ENV });
}

interface Runs {
  wall: number[];
  cpu: number[];
  /** Standard output of the last run. */
  stdout: string;
}

/** Runs two commands alternately, `runs` times each, in `cwd`. */
function alternate(
  runs: number,
  cwd: string,
  ...commands: Array<[label: string, command: string, args: string[]]>
): Runs[] {
  const results = commands.map((): Runs => ({ wall: [], cpu: [], stdout: '' }));
  for (let run = 0; run < runs; run++) {
    commands.forEach(([label, command, args], index) => {
      const timed = time(`${label} #${run + 1}`, command, args, cwd);
      results[index]!.wall.push(timed.seconds);
      results[index]!.cpu.push(timed.cpu);
      results[index]!.stdout = timed.stdout;
    });
  }
  return results;
}

/** a / b: medians of wall time, best runs, medians of CPU time. */
function ratios(a: Runs, b: Runs): string {
  return `${(median(a.wall) / median(b.wall)).toFixed(2)} wall; best runs ${(Math.min(...a.wall) / Math.min(...b.wall)).toFixed(2)}; CPU ${(median(a.cpu) / median(b.cpu)).toFixed(2)}`;
}

/** The fast-import stream of the history, written to git as it is made. */
function buildHistory(): Manifest {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const init = spawnSync('git', ['init', '-q', '--bare', '-b', 'main', REPO], { env: GIT_ENV });
  if (init.status !== 0) throw new Error('git init failed');
  const marksFile = join(WORK, 'marks');
  // The stream goes to a file (it is several times the text: every part re-sends its file).
  const streamFile = join(WORK, 'fast-import.stream');
  const out = openSync(streamFile, 'w');
  let textBytes = 0;
  let mark = 0;
  let time = 1_700_000_000;
  let parent: number | undefined;
  const plantAt = new Map<number, string>();
  const emit = (text: string | Buffer) => writeSync(out, typeof text === 'string' ? Buffer.from(text) : text);
  const commit = (
    branch: string,
    message: string,
    files: Array<[string, Buffer]>,
    from: number | undefined,
    merge?: number,
  ): number => {
    const id = ++mark;
    time += 60;
    emit(
      `commit refs/heads/${branch}\nmark :${id}\nauthor Bench Author <author@example.com> ${time} +0000\ncommitter Bench Author <author@example.com> ${time} +0000\n`,
    );
    const msg = Buffer.from(message);
    emit(`data ${msg.length}\n`);
    emit(msg);
    emit('\n');
    if (from !== undefined) emit(`from :${from}\n`);
    if (merge !== undefined) emit(`merge :${merge}\n`);
    for (const [path, content] of files) {
      emit(`M 100644 inline ${path}\ndata ${content.length}\n`);
      emit(content);
      emit('\n');
    }
    emit('\n');
    return id;
  };

  const modules = join(ROOT, 'node_modules');
  const packages = packageDirs(modules);
  const byName = new Map<string, string[]>();
  for (const dir of packages) {
    const name = packageName(dir);
    byName.set(name, [...(byName.get(name) ?? []), dir]);
  }
  const names = [...byName.keys()].sort();
  let sideFrom: number | undefined;
  for (const [index, name] of names.entries()) {
    if (textBytes > TEXT_BYTES) break;
    // Every tenth package grows on a side branch that is merged back afterwards.
    const onSide = index % 10 === 5;
    const branch = onSide ? 'side' : 'main';
    if (onSide) sideFrom = parent;
    let head = onSide ? sideFrom : parent;
    // What the package's files hold at the end: a merge commit must carry them (fast-import builds
    // a merge's tree from its first parent only).
    const final = new Map<string, Buffer>();
    for (const dir of byName.get(name)!) {
      const files = textFiles(dir).filter((file) => !file.path.includes('/node_modules/', dir.length));
      const contents = files.map((file) => [`${name}/${relative(dir, file.path)}`, readFileSync(file.path)] as const);
      textBytes += files.reduce((sum, file) => sum + file.size, 0);
      for (let part = 1; part <= PARTS; part++) {
        const changed: Array<[string, Buffer]> = [];
        for (const [path, content] of contents) {
          const cut = part === PARTS ? content.length : lineCut(content, Math.floor((content.length * part) / PARTS));
          changed.push([path, content.subarray(0, cut)]);
        }
        if (changed.length === 0) continue;
        for (const [path, content] of changed) final.set(path, content);
        head = commit(branch, `${name}: part ${part} of ${PARTS} (${relative(modules, dir)})`, changed, head);
        if (Math.random() < 0.03 && plantAt.size < PLANTED) {
          // A key added in its own commit to a real file, as a developer would.
          const [path, content] = changed[Math.floor(Math.random() * changed.length)]!;
          const key = generateKey();
          head = commit(
            branch,
            `${name}: configure the API`,
            [[path, Buffer.concat([content, Buffer.from(`\nconst apiKey = "${key}";\n`)])]],
            head,
          );
          plantAt.set(head, key);
          // and removed again in the next commit (history still has it).
          head = commit(branch, `${name}: remove the key`, [[path, content]], head);
        }
      }
    }
    if (onSide) parent = commit('main', `Merge branch side (${name})`, [...final], parent, head);
    else parent = head;
  }
  closeSync(out);
  const input = openSync(streamFile, 'r');
  const imported = spawnSync('git', ['fast-import', '--quiet', `--export-marks=${marksFile}`], {
    cwd: REPO,
    env: GIT_ENV,
    stdio: [input, 'pipe', 'pipe'],
  });
  closeSync(input);
  rmSync(streamFile);
  if (imported.status !== 0) throw new Error(`git fast-import failed: ${imported.stderr}`);
  const shas = new Map(
    readFileSync(marksFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [m, sha] = line.split(' ');
        return [Number(m!.slice(1)), sha!] as const;
      }),
  );
  const planted = Object.fromEntries([...plantAt].map(([m, key]) => [key, shas.get(m)!]));
  const log = spawnSync('sh', ['-c', 'git log -p -U0 --all | wc -c'], { cwd: REPO, env: GIT_ENV, encoding: 'utf8' });
  const manifest: Manifest = { commits: mark, bytes: Number(log.stdout.trim()), planted };
  writeFileSync(MANIFEST, JSON.stringify(manifest));
  return manifest;
}

/** The end of the line that holds byte `at` (a part ends on a line break). */
function lineCut(content: Buffer, at: number): number {
  const nl = content.indexOf(0x0a, at);
  return nl === -1 ? content.length : nl + 1;
}

function packageDirs(modules: string): string[] {
  const dirs: string[] = [];
  const visit = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.name.startsWith('@')) visit(path);
      else if (existsSync(join(path, 'package.json'))) {
        dirs.push(path);
        if (existsSync(join(path, 'node_modules'))) visit(join(path, 'node_modules'));
      }
    }
  };
  visit(modules);
  return dirs;
}

function packageName(dir: string): string {
  try {
    return (
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name ?? relative(ROOT, dir)
    );
  } catch {
    return relative(ROOT, dir);
  }
}

function baseName(path: string): string {
  return path.split('/').pop()!;
}

function writeAt(root: string, path: string, content: Buffer | string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** The generated history (built on first use), for other benches (bench:backfill serves it). */
export function historyRepository(): { repo: string; manifest: Manifest } {
  const manifest = existsSync(MANIFEST) ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest) : buildHistory();
  return { repo: REPO, manifest };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
