// `lfk scan`: find lfk keys in files or standard input (docs/scanner.md). Imports stay light: no
// web server, database or zod unless a user config is read, so a pre-commit hook starts fast.
import { existsSync, writeFileSync } from 'node:fs';
import { loadRuleSet } from '../../rules/load.js';
import type { RuleSet } from '../../rules/types.js';
import {
  applyIgnores,
  ignoreFileFor,
  readBaseline,
  readIgnoreFile,
  staleNotes,
  type IgnoreEntry,
} from '../../scanner/ignores.js';
import { jsonReport, type ReportInput } from '../../scanner/report/json.js';
import { redactKeys } from '../../platform/key-format.js';
import { redactSecret } from '../../scanner/report/redact.js';
import { terminalSafe } from '../../scanner/report/terminal-safe.js';
import { textReport, wantsColor } from '../../scanner/report/text.js';
import { displayPath, findRepoRoot } from '../../scanner/repo.js';
import { DEFAULT_DECODE_DEPTH } from '../../scanner/finder.js';
import { scanPaths, scanStream } from '../../scanner/scan.js';
import { DEFAULT_MAX_FILE_SIZE } from '../../scanner/sources/file-fragments.js';
import { MissingPathError } from '../../scanner/sources/walk.js';
import type { Finding } from '../../scanner/types.js';
import { DEFAULT_ARCHIVE_OPTIONS, type ArchiveOptions } from '../../scanner/unpack/scan-archive.js';
import { parseCommandArgs, printMessage, printMessageLines, UsageError } from '../command.js';
import { GIT_OPTIONS, GIT_USAGE, gitAdvice, gitSelection, runGitScan, skipReason } from './scan-git.js';
import { remoteSelection, runRemoteScan, type RemoteSelection } from './scan-remote.js';
import type { GitSelection } from '../../scanner/scan-git.js';
import { LFK_VERSION } from '../version.js';
import { githubApiUrlOf, loadEnvironment } from '../settings.js';

const USAGE = `Usage: lfk scan [PATH…]        files and folders (default .), honouring .gitignore in a git work tree
       lfk scan -              standard input
${GIT_USAGE}
Options:
  --format text|json|sarif   report format (default text)
  --output FILE              write the report to FILE instead of standard output
  --config FILE              rules config (default ./.lfk.toml if present)
  --baseline FILE            ignore findings already in an earlier JSON report
  --verify                   ask the key service (LFK_KEY_SERVICE_URL) whether each key is live
  --fail-on any|live|active  exit 1 for any key found (default), only for keys the key service says are
                             active or could not check (live), or only for active ones (active)
  --revoke                   report the keys to the key service, which revokes live ones
  --no-redact                print full keys
  --no-gitignore             scan git-ignored files too
  --max-file-size BYTES      skip larger files with a warning (default 100 MiB, 0 = no limit)
  --max-archive-depth N      open compressed files and archives nested N deep (default 4, 0 = none)
  --max-archive-bytes BYTES  decompress at most this much per file (default 1 GiB; K/M/G accepted)
  --report-invalid           also list key shapes with a bad checksum
  --max-decode-depth N       look for keys inside base64, hex, %-escapes, \\u/\\x escapes and gzip,
                             nested N deep (default 3, 0 = off)
  --workers N                worker threads (default: one per core but one, and the main thread)

Exit codes: 0 no keys found, 1 keys found, 2 usage or fatal error.
`;

/** Deeper nesting than this is not a place keys are left by accident. */
const MAX_DECODE_DEPTH = 10;
const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

interface ScanArgs {
  paths: string[];
  format: Format;
  output?: string;
  config?: string;
  baseline?: string;
  verify: boolean;
  /** Which findings make the exit code 1 (`--fail-on`, docs/scanner.md#use). */
  failOn: FailOn;
  revoke: boolean;
  redact: boolean;
  gitignore: boolean;
  maxFileSize: number;
  archives: ArchiveOptions;
  reportInvalid: boolean;
  maxDecodeDepth: number;
  workers?: number;
  /** --git, --staged or --pre-push (scan-git.ts). */
  git?: GitSelection;
  /** --git URL or --github OWNER[/REPO] (scan-remote.ts). */
  remote?: RemoteSelection;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseScanArgs(args);
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  // The environment, then a .env file in the current directory (README.md#settings).
  const serviceUrl = loadEnvironment().LFK_KEY_SERVICE_URL;
  if ((parsed.verify || parsed.revoke || parsed.failOn !== 'any') && !serviceUrl) {
    const flag = parsed.revoke ? '--revoke' : parsed.verify ? '--verify' : `--fail-on ${parsed.failOn}`;
    throw new UsageError(`${flag} needs the key service: set LFK_KEY_SERVICE_URL`);
  }
  const started = performance.now();
  const cwd = process.cwd();
  const ruleSet = await loadRuleSet(parsed.config ?? (existsSync('.lfk.toml') ? '.lfk.toml' : undefined));
  const ignoreFile = ignoreFileFor(cwd);
  const ignoreEntries: IgnoreEntry[] = [
    ...readIgnoreFile(ignoreFile, displayPath(ignoreFile, cwd)),
    ...(parsed.baseline ? readBaseline(parsed.baseline) : []),
  ];

  const scanned = await scan(parsed, ruleSet, cwd);
  // Warnings and notes name files of the scanned tree (and archive entries): printMessage escapes them.
  for (const warning of scanned.warnings) printMessage(`lfk: warning: ${warning}`);
  const { kept: findings, stale } = applyIgnores(scanned.findings, ignoreEntries);
  for (const note of staleNotes(stale)) printMessage(`lfk: note: ${note}`);

  // A pusher's `git push -o lfk.skip=<reason>` lets a push through a server's hook; with --revoke
  // the keys are reported all the same, the reason with them.
  const skipped = parsed.git?.kind === 'pre-receive' ? skipReason(process.env) : undefined;
  let serviceFailed = false;
  // --fail-on live|active checks every valid key as --verify does (before a revocation changes it).
  const verify = parsed.verify || parsed.failOn !== 'any';
  if (serviceUrl && (verify || parsed.revoke)) {
    const note =
      skipped === undefined
        ? undefined
        : `pushed past the pre-receive hook with lfk.skip: ${redactKeys(skipped).slice(0, 200)}`;
    serviceFailed = !(await checkWithService(findings, ruleSet, serviceUrl, { ...parsed, verify }, note));
  }

  const input: ReportInput = {
    findings,
    stats: scanned.stats,
    durationMs: performance.now() - started,
    redact: parsed.redact,
    toolVersion: LFK_VERSION,
  };
  // Git modes report paths relative to the repository's top.
  await writeReport(parsed, input, ruleSet, (scanned as { root?: string }).root ?? cwd);
  // Said on stderr, which git shows the pusher as remote: lines.
  if (skipped !== undefined) {
    const keys = findings.filter((finding) => finding.checksum === 'valid').length;
    printMessage(
      `lfk: push let through by lfk.skip (${skipped}): ${keys} Trust Leads API key${keys === 1 ? '' : 's'} not blocked`,
    );
    return serviceFailed ? 2 : 0;
  }
  // Several lines on purpose; gitAdvice escapes the file names in them.
  if (parsed.git) printMessageLines(gitAdvice(parsed.git, findings));
  return exitCode(findings, parsed.failOn, serviceFailed);
}

const FAIL_ON = ['any', 'live', 'active'] as const;
type FailOn = (typeof FAIL_ON)[number];

/**
 * 1 when a finding is dangerous by --fail-on: any valid key; with `live` one the key service says is
 * active or could not check (it failed); with `active` only active ones. A key service that failed
 * is exit 2, except under `live`, where an unchecked key counts as live (the safe side).
 */
function exitCode(findings: readonly Finding[], failOn: FailOn, serviceFailed: boolean): number {
  const valid = findings.filter((finding) => finding.checksum === 'valid');
  if (failOn === 'any') return serviceFailed ? 2 : valid.length > 0 ? 1 : 0;
  if (failOn === 'live')
    return valid.some((finding) => finding.status === 'active' || finding.status === undefined)
      ? 1
      : serviceFailed
        ? 2
        : 0;
  if (valid.some((finding) => finding.status === 'active')) return 1;
  return serviceFailed ? 2 : 0;
}

async function scan(parsed: ScanArgs, ruleSet: RuleSet, cwd: string) {
  const { reportInvalid, maxDecodeDepth } = parsed;
  if (parsed.remote) {
    const settings = {
      ruleSet,
      reportInvalid,
      maxFileSize: parsed.maxFileSize,
      maxDecodeDepth,
      archives: parsed.archives,
    };
    return runRemoteScan(parsed.remote, settings, {
      githubApiUrl: githubApiUrlOf(process.env),
      githubToken: process.env.GITHUB_TOKEN || undefined,
    });
  }
  if (parsed.git)
    return runGitScan(parsed.git, {
      cwd,
      ruleSet,
      reportInvalid,
      maxFileSize: parsed.maxFileSize,
      maxDecodeDepth,
      archives: parsed.archives,
    });
  if (parsed.paths.length === 1 && parsed.paths[0] === '-')
    return scanStream(process.stdin, { ruleSet, reportInvalid, maxDecodeDepth, archives: parsed.archives });
  if (parsed.paths.includes('-')) throw new UsageError('"-" (standard input) cannot be mixed with paths');
  const progress = process.stderr.isTTY ? progressBar() : undefined;
  try {
    return await scanPaths(parsed.paths, {
      cwd,
      ruleSet,
      reportInvalid,
      gitignore: parsed.gitignore,
      maxFileSize: parsed.maxFileSize,
      archives: parsed.archives,
      maxDecodeDepth,
      ...(parsed.workers !== undefined && { workers: parsed.workers }),
      ...(progress && { onProgress: progress.update }),
    });
  } catch (error) {
    // One line: a line end in the path is escaped too.
    if (error instanceof MissingPathError) throw new UsageError(terminalSafe(error.message));
    throw error;
  } finally {
    progress?.done();
  }
}

/** Verifies and/or revokes; false when the key service failed (the findings are still reported). */
async function checkWithService(
  findings: Finding[],
  ruleSet: RuleSet,
  serviceUrl: string,
  parsed: ScanArgs,
  note?: string,
): Promise<boolean> {
  const { createHttpKeyServiceClient, KeyServiceError } = await import('../../key-service/http-client.js');
  const { revokeFindings, verifyFindings } = await import('../../scanner/key-check.js');
  const client = createHttpKeyServiceClient(serviceUrl);
  const revocable = new Set(ruleSet.rules.filter((rule) => rule.revocable).map((rule) => rule.id));
  try {
    if (parsed.verify) await verifyFindings(findings, client, revocable);
    if (parsed.revoke) {
      const outcomes = await revokeFindings(findings, client, revocable, note);
      for (const [key, outcome] of outcomes) printMessage(`lfk: revoke: ${redactSecret(key)}: ${outcome}`);
    }
    return true;
  } catch (error) {
    if (!(error instanceof KeyServiceError)) throw error;
    printMessage(`lfk: error: ${error.message}`);
    return false;
  }
}

async function writeReport(parsed: ScanArgs, input: ReportInput, ruleSet: RuleSet, cwd: string): Promise<void> {
  let report: string;
  if (parsed.format === 'json') report = jsonReport(input);
  else if (parsed.format === 'sarif') {
    const { sarifReport } = await import('../../scanner/report/sarif.js');
    const repoRoot = findRepoRoot(cwd);
    report = sarifReport({
      findings: input.findings,
      rules: ruleSet.rules,
      toolVersion: LFK_VERSION,
      cwd,
      ...(repoRoot && { repoRoot }),
    });
  } else report = textReport(input, { color: parsed.output === undefined && wantsColor(process.stdout, process.env) });
  if (parsed.output === undefined) process.stdout.write(report);
  else writeFileSync(parsed.output, report);
}

function parseScanArgs(args: string[]): ScanArgs | 'help' {
  const { values, positionals } = parseCommandArgs(' (lfk scan --help)', {
    args,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      config: { type: 'string' },
      baseline: { type: 'string' },
      verify: { type: 'boolean' },
      'fail-on': { type: 'string' },
      revoke: { type: 'boolean' },
      'no-redact': { type: 'boolean' },
      'no-gitignore': { type: 'boolean' },
      'max-file-size': { type: 'string' },
      'max-archive-depth': { type: 'string' },
      'max-archive-bytes': { type: 'string' },
      'report-invalid': { type: 'boolean' },
      'max-decode-depth': { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...GIT_OPTIONS,
    },
  });
  if (values.help) return 'help';
  const remote = remoteSelection(values, positionals);
  const git = remote ? undefined : gitSelection(values, positionals);
  const format = values.format ?? 'text';
  const failOn = values['fail-on'] ?? 'any';
  if (!(FAIL_ON as readonly string[]).includes(failOn))
    throw new UsageError(`--fail-on must be any, live or active, not "${failOn}"`);
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be text, json or sarif, not "${format}"`);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1))
    throw new UsageError(`--workers must be a whole number of at least 1`);
  const depthText = values['max-archive-depth'];
  if (depthText !== undefined && !/^\d{1,3}$/.test(depthText.trim())) {
    throw new UsageError(`--max-archive-depth must be a whole number (0 opens no archive), not "${depthText}"`);
  }
  const archiveBytes =
    values['max-archive-bytes'] === undefined
      ? DEFAULT_ARCHIVE_OPTIONS.maxArchiveBytes
      : parseSize(values['max-archive-bytes'], '--max-archive-bytes');
  if (archiveBytes <= 0)
    throw new UsageError('--max-archive-bytes must be more than 0 (--max-archive-depth 0 opens no archive)');
  const decodeDepthText = values['max-decode-depth'];
  const maxDecodeDepth = decodeDepthText === undefined ? DEFAULT_DECODE_DEPTH : Number(decodeDepthText);
  if (decodeDepthText !== undefined && !(/^\d+$/.test(decodeDepthText.trim()) && maxDecodeDepth <= MAX_DECODE_DEPTH)) {
    throw new UsageError(
      `--max-decode-depth must be a whole number from 0 (no decoding) to ${MAX_DECODE_DEPTH}, not "${decodeDepthText}"`,
    );
  }
  return {
    paths: positionals.length > 0 ? positionals : ['.'],
    format: format as Format,
    ...(values.output !== undefined && { output: values.output }),
    ...(values.config !== undefined && { config: values.config }),
    ...(values.baseline !== undefined && { baseline: values.baseline }),
    verify: values.verify ?? false,
    failOn: failOn as FailOn,
    revoke: values.revoke ?? false,
    redact: !values['no-redact'],
    gitignore: !values['no-gitignore'],
    maxFileSize:
      values['max-file-size'] === undefined
        ? DEFAULT_MAX_FILE_SIZE
        : parseSize(values['max-file-size'], '--max-file-size'),
    archives: {
      maxArchiveDepth: depthText === undefined ? DEFAULT_ARCHIVE_OPTIONS.maxArchiveDepth : Number(depthText),
      maxArchiveBytes: archiveBytes,
    },
    reportInvalid: values['report-invalid'] ?? false,
    maxDecodeDepth,
    ...(workers !== undefined && { workers }),
    ...(git && { git }),
    ...(remote && { remote }),
  };
}

/** Bytes, optionally with K, M or G (binary units): `0`, `1048576`, `100M`. */
function parseSize(text: string, option: string): number {
  const match = /^(\d+)\s*([kmg])?(?:i?b)?$/i.exec(text.trim());
  if (!match)
    throw new UsageError(
      `${option} must be a number of bytes${option === '--max-file-size' ? ' (0 for no limit)' : ''}, not "${text}"`,
    );
  const scale = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(match[1]) * scale;
}

/** A one-line progress bar on a terminal's stderr, redrawn at most every 100 ms. */
function progressBar() {
  let last = 0;
  let drawn = false;
  return {
    update(done: number, total: number) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 30;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} files`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}
