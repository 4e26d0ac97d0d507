// Benchmark: what `lfk hook install --pre-receive` adds to a `git push` of 5,000 commits as a new
// branch, against the peer a server could run instead: `git log -p <range> | rg lfk_sk_`.
// Run: npm run bench:pre-receive
//
// The hook's own time is isolated by pushing the same branch to a bare repository with the hook
// and to one without it (fresh repositories each round, over the local transport) and taking the
// difference of the medians. The history is made once with git fast-import (cached under
// bench/.work/pre-receive/): each commit touches one of 250 source files, a few lines of text
// taken from node_modules appended and one changed. A second branch has the same 5,000 commits on
// top of one that adds a key: pushed once with the default LFK_PRE_RECEIVE_TIMEOUT, it must be
// refused at that oldest commit (lfk read the whole push, within the default deadline).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey } from '../platform/key-format.js';
import { logArgs } from '../scanner/sources/git.js';
import { median, textFiles, time } from './scan.js';
import { GIT_ENV, LFK, ROOT } from './common.js';

const WORK = join(ROOT, 'bench', '.work', 'pre-receive');
const SOURCE = join(WORK, 'source.git');
const MANIFEST = join(WORK, 'manifest.json');
const COMMITS = 5_000;
const FILES = 250;
const RUNS = 3;
// The bench's pushes get a deadline they cannot hit, so a slow run is measured, not let through.
const HOOK_ENV = { ...GIT_ENV, LFK_PRE_RECEIVE_TIMEOUT: '120' };

interface Manifest {
  version: number;
  main: string;
  bench: string;
  leak: string;
  /** The commit adding the key, the oldest of the leak branch's push. */
  leakRoot: string;
}

function main(): void {
  for (const tool of ['rg', 'git'])
    if (spawnSync(tool, ['--version']).status !== 0)
      throw new Error(`${tool} is not installed (apt-get install -y ripgrep)`);
  const manifest = history();
  const patch = spawnSync('git', ['log', '-p', 'main..bench'], { cwd: SOURCE, env: GIT_ENV, maxBuffer: 1 << 30 }).stdout
    .length;
  console.log(
    `history: ${COMMITS} commits on bench over main, git log -p main..bench = ${(patch / 1e6).toFixed(1)} MB`,
  );

  const peer = `git log -p main..bench | rg lfk_sk_`;
  time('warm-up (page cache)', 'sh', ['-c', peer], { cwd: SOURCE, env: GIT_ENV });
  const withHook: number[] = [];
  const withoutHook: number[] = [];
  const peers: number[] = [];
  const cpu = { withHook: [] as number[], withoutHook: [] as number[], peer: [] as number[] };
  for (let run = 1; run <= RUNS; run++) {
    const hooked = timedPush(`push, hook #${run}`, server(`hook-${run}`, true), manifest.bench);
    withHook.push(hooked.seconds);
    cpu.withHook.push(hooked.cpu);
    const plain = timedPush(`push, no hook #${run}`, server(`plain-${run}`, false), manifest.bench);
    withoutHook.push(plain.seconds);
    cpu.withoutHook.push(plain.cpu);
    // rg exits 1: the clean branch holds no key.
    const scanned = time(`git log -p | rg #${run}`, 'sh', ['-c', peer], { cwd: SOURCE, env: GIT_ENV });
    peers.push(scanned.seconds);
    cpu.peer.push(scanned.cpu);
  }
  const hookSeconds = median(withHook) - median(withoutHook);
  const hookCpu = median(cpu.withHook) - median(cpu.withoutHook);
  console.log('');
  console.log(
    `git push, hook installed   ${median(withHook).toFixed(2)} s wall  ${median(cpu.withHook).toFixed(2)} s CPU (medians of ${RUNS})`,
  );
  console.log(
    `git push, no hook          ${median(withoutHook).toFixed(2)} s wall  ${median(cpu.withoutHook).toFixed(2)} s CPU`,
  );
  console.log(
    `the hook's own time        ${hookSeconds.toFixed(2)} s wall  ${hookCpu.toFixed(2)} s CPU (difference of the medians)`,
  );
  console.log(`git log -p | rg lfk_sk_    ${median(peers).toFixed(2)} s wall  ${median(cpu.peer).toFixed(2)} s CPU`);
  console.log(
    `ratio hook / peer          ${(hookSeconds / median(peers)).toFixed(2)} wall; CPU ${(hookCpu / median(cpu.peer)).toFixed(2)}`,
  );

  // The leak branch with the default deadline (10 s): refused at its oldest commit, not let through late.
  const leak = spawnSync('git', ['push', server('leak', true), `${manifest.leak}:refs/heads/leak`], {
    cwd: SOURCE,
    env: GIT_ENV,
    encoding: 'utf8',
  });
  const refused =
    leak.status !== 0 &&
    leak.stderr.includes('lfk: push refused: 1 Trust Leads API key') &&
    leak.stderr.includes(`(commit ${manifest.leakRoot.slice(0, 12)})`);
  const late = leak.stderr.includes('LFK_PRE_RECEIVE_TIMEOUT');
  console.log(
    `key at the oldest of ${COMMITS + 1} commits, default LFK_PRE_RECEIVE_TIMEOUT: ${refused ? 'refused' : 'NOT refused'}${late ? ', the 10 s deadline was hit' : ', within the 10 s deadline'}`,
  );
  if (!refused || late) process.exitCode = 1;
  breakdown(manifest);
}

/** Where the hook's time goes: Node's start, lfk's git command alone, lfk's scan outside a push. */
function breakdown(manifest: Manifest): void {
  // The objects without a ref to them: what a pre-receive hook sees, minus the quarantine.
  const bare = server('breakdown', false);
  run('git', ['push', '-q', bare, `${manifest.bench}:refs/heads/bench`], SOURCE);
  run('git', ['update-ref', '-d', 'refs/heads/bench'], bare);
  console.log('\nwhere the hook time goes (outside a push, same objects):');
  const phases = {
    start: [] as number[],
    git: [] as number[],
    scan: [] as number[],
  };
  const input = `${'0'.repeat(40)} ${manifest.bench} refs/heads/bench\n`;
  for (let round = 1; round <= RUNS; round++) {
    phases.start.push(
      time(`node lfk --version #${round}`, process.execPath, [LFK, '--version'], { cwd: bare, env: GIT_ENV }).seconds,
    );
    // lfk's own git command (scanner/sources/git.ts), output thrown away.
    const args = ['--no-pager', ...logArgs([manifest.bench], ['--not', '--all', '--not'])];
    args.splice(2, 0, '--no-ext-diff', '--no-textconv');
    phases.git.push(
      time(`lfk's git log #${round}`, 'sh', ['-c', `git ${args.map(quote).join(' ')} >/dev/null`], {
        cwd: bare,
        env: GIT_ENV,
      }).seconds,
    );
    phases.scan.push(
      time(
        `lfk scan --pre-receive #${round}`,
        'sh',
        ['-c', `printf '%s' ${quote(input)} | ${quote(process.execPath)} ${quote(LFK)} scan --pre-receive`],
        { cwd: bare, env: HOOK_ENV },
      ).seconds,
    );
  }
  console.log(`node + lfk start           ${median(phases.start).toFixed(2)} s`);
  console.log(`lfk's git log alone        ${median(phases.git).toFixed(2)} s`);
  console.log(`lfk scan --pre-receive     ${median(phases.scan).toFixed(2)} s (start, git log, scanning)`);
}

function timedPush(label: string, bare: string, tip: string): { seconds: number; cpu: number } {
  const timed = time(label, 'git', ['push', '-q', bare, `${tip}:refs/heads/bench`], { cwd: SOURCE, env: HOOK_ENV });
  // time() lets exit 1 through: a push must really have gone in.
  const head = spawnSync('git', ['rev-parse', '--verify', '--quiet', 'refs/heads/bench'], {
    cwd: bare,
    env: GIT_ENV,
    encoding: 'utf8',
  }).stdout.trim();
  if (head !== tip) throw new Error(`${label}: the branch did not reach the server`);
  return timed;
}

/** A fresh bare repository that has main, with lfk's pre-receive hook or without. */
function server(name: string, hook: boolean): string {
  const bare = join(WORK, 'servers', `${name}.git`);
  rmSync(bare, { recursive: true, force: true });
  mkdirSync(bare, { recursive: true });
  run('git', ['init', '-q', '--bare', '-b', 'main'], bare);
  run('git', ['push', '-q', bare, 'main'], SOURCE);
  if (hook) run(process.execPath, [LFK, 'hook', 'install', '--pre-receive'], bare);
  return bare;
}

function run(command: string, args: string[], cwd: string, input?: string): string {
  const done = spawnSync(command, args, {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    ...(input !== undefined && { input }),
  });
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${done.stderr}`);
  return done.stdout.trim();
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The cached source repository, built when missing or from an older version of this script. */
function history(): Manifest {
  if (existsSync(MANIFEST)) {
    const cached = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest;
    if (cached.version === 1) return cached;
  }
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  run('git', ['init', '-q', '--bare', '-b', 'main', SOURCE], WORK);
  const started = Date.now();
  run('git', ['fast-import', '--quiet', `--export-marks=${join(WORK, 'marks')}`], SOURCE, fastImportStream());
  const marks = new Map(
    readFileSync(join(WORK, 'marks'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.slice(1).split(' ') as [string, string]),
  );
  const manifest: Manifest = {
    version: 1,
    main: run('git', ['rev-parse', 'main'], SOURCE),
    bench: run('git', ['rev-parse', 'bench'], SOURCE),
    leak: run('git', ['rev-parse', 'leak'], SOURCE),
    leakRoot: marks.get(String(LEAK_ROOT_MARK))!,
  };
  // One pack, as a server would hold it.
  run('git', ['repack', '-adq'], SOURCE);
  writeFileSync(MANIFEST, JSON.stringify(manifest, null, 2));
  console.log(`built ${SOURCE} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return manifest;
}

const MAIN_MARK = 1;
const LEAK_ROOT_MARK = 2;

/**
 * main (a README), then bench: 5,000 commits, and leak: a commit adding a key, then the same
 * 5,000 changes. Blobs are sent once (marks) and shared by both branches.
 */
function fastImportStream(): string {
  const lines = textLines();
  let seed = 42;
  const random = (n: number) => {
    // A fixed LCG: the same history on every machine.
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const out: string[] = [];
  let date = 1_700_000_000;
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const commit = (branch: string, mark: number, message: string, from: number | undefined, changes: string) => {
    date += 600;
    const who = `Bench Author <author@example.com> ${date} +0000`;
    out.push(
      `commit refs/heads/${branch}\nmark :${mark}\nauthor ${who}\ncommitter ${who}\n${data(message)}${from === undefined ? '' : `from :${from}\n`}${changes}\n`,
    );
  };
  commit(
    'main',
    MAIN_MARK,
    'Initial commit',
    undefined,
    `M 100644 inline README.md\n${data('# crm-sync\n\nSyncs leads between the CRM and Trust Leads.\n')}`,
  );
  commit(
    'leak',
    LEAK_ROOT_MARK,
    'Add CRM settings',
    MAIN_MARK,
    `M 100644 inline config/crm.env\n${data(`CRM_URL=https://crm.example.com\nTRUSTLEADS_API_KEY=${generateKey()}\n`)}`,
  );

  const files: string[][] = Array.from({ length: FILES }, () => []);
  const changes: Array<{ path: string; blob: number; message: string }> = [];
  let mark = 10;
  for (let index = 0; index < COMMITS; index++) {
    const which = random(FILES);
    const file = files[which]!;
    // A new file starts with a few lines; later commits change one line and append three.
    if (file.length > 0) file[random(file.length)] = lines[random(lines.length)]!;
    for (let added = file.length === 0 ? 8 : 3; added > 0; added--) file.push(lines[random(lines.length)]!);
    const blob = ++mark;
    out.push(`blob\nmark :${blob}\n${data(`${file.join('\n')}\n`)}`);
    const path = `src/${['leads', 'sync', 'crm', 'util', 'api'][which % 5]}/module-${which}.ts`;
    changes.push({ path, blob, message: `Update ${path}: ${lines[random(lines.length)]!.slice(0, 60)}` });
  }
  for (const [branch, base] of [
    ['bench', MAIN_MARK],
    ['leak', LEAK_ROOT_MARK],
  ] as const) {
    changes.forEach((change, index) => {
      commit(
        branch,
        ++mark,
        change.message,
        index === 0 ? base : undefined,
        `M 100644 :${change.blob} ${change.path}\n`,
      );
    });
  }
  return out.join('');
}

/** Lines of real code and prose from node_modules, none with the key prefix. */
function textLines(): string[] {
  const sources = textFiles(join(ROOT, 'node_modules'))
    .filter((file) => /\.(ts|js|md)$/.test(file.path) && file.size < 100_000)
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .slice(0, 2_000);
  const lines: string[] = [];
  for (const file of sources) {
    for (const line of readFileSync(file.path, 'utf8').split('\n')) {
      const text = line.trimEnd();
      if (text.length >= 20 && text.length <= 120 && !text.includes('lfk_sk_')) lines.push(text);
    }
    if (lines.length >= 50_000) break;
  }
  return lines;
}

main();
