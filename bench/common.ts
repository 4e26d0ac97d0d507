// What the benchmarks share: where the checkout and the built CLI are, the key pattern ripgrep is
// given, and a git that reads no configuration of the machine it runs on.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The CLI as `npm run build` left it in dist/. */
export const LFK = join(ROOT, 'dist', 'cli', 'main.js');
/** The rule of the planted keys, and the same key as a regex for ripgrep. */
export const RULE = 'trustleads-api-key';
export const REGEX = '(?:^|[^0-9A-Za-z])(lfk_sk_[0-9A-Za-z]{40})(?:[^0-9A-Za-z]|$)';
export const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
