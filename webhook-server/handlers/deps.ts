// What the handlers are given: never HTTP, only the stored delivery and these.
import type { ExposureReporter } from '../../key-service/exposure-reporter.js';
import type { Logger } from '../../platform/logger.js';
import type { Store } from '../../platform/database/database.js';
import type { RuleSet } from '../../rules/types.js';
import type { Finder } from '../../scanner/finder.js';
import type { GithubApps } from '../github/client.js';

export interface ScanRules {
  /** The rules as data: the history scan (scanGit) compiles its own finder from them. */
  ruleSet: RuleSet;
  /** The scanner's detector with decoding at its default depth (docs/scanner.md#encoded-text). */
  finder: Finder;
  /** Ids of the rules whose findings are lfk keys the key service can revoke. */
  revocable: ReadonlySet<string>;
}

export interface HandlerDeps {
  store: Store;
  logger: Logger;
  reporter: ExposureReporter;
  /** Undefined when LFK_GITHUB_APP_ID / LFK_GITHUB_PRIVATE_KEY are not set. */
  github: GithubApps | undefined;
  gitguardian: { apiUrl: string; apiToken: string | undefined; fetch?: typeof fetch; timeoutMs?: number };
  /** The built-in rules, compiled once on first use. */
  rules(): ScanRules;
  now(): Date;
  /** Tells the backfill worker that history scans were queued (it would find them at its next poll). */
  wakeBackfill?: () => void;
}
