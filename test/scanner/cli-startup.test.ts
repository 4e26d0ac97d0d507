// `lfk scan FILE` (a pre-commit hook's case) must start fast: it must not load the web server,
// database drivers, Octokit or zod, and lfk's own code comes as a few bundled files rather than
// dozens of modules. A module-resolve hook lists what it loads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testKey } from './keys.js';
import { LFK_BIN } from './run-lfk.js';

const HEAVY = ['hono', 'pg', 'better-sqlite3', 'kysely', 'octokit', 'zod', 'nodemailer', 'yaml', 'undici'];

function loadedModules(args: string[], cwd: string): string[] {
  const hooks = mkdtempSync(join(tmpdir(), 'lfk-hooks-'));
  const log = join(hooks, 'modules.log');
  // The hooks run on their own thread: a synchronous append is never lost at exit (their stderr could be).
  writeFileSync(
    join(hooks, 'hook.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
  );
  writeFileSync(
    join(hooks, 'register.mjs'),
    `import { register } from 'node:module'; register('./hook.mjs', import.meta.url);\n`,
  );
  writeFileSync(log, '');
  const run = spawnSync(process.execPath, ['--import', join(hooks, 'register.mjs'), LFK_BIN, ...args], {
    cwd,
    encoding: 'utf8',
  });
  expect(run.status).toBe(1);
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

describe('lfk scan start-up', () => {
  it('one file: none of the heavy dependencies are loaded', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lfk-startup-'));
    writeFileSync(join(cwd, 'a.env'), `K=${testKey('startup')}\n`);
    const modules = loadedModules(['scan', 'a.env'], cwd);
    // The hook sees package loads: the scanner's regex engine is one.
    expect(modules.some((url) => url.includes('/node_modules/re2/'))).toBe(true);
    const own = [...new Set(modules.filter((url) => url.includes('/dist/')))];
    expect(own[0]).toMatch(/\/dist\/cli\/main\.js$/);
    expect(own.length).toBeLessThanOrEqual(16);
    for (const name of HEAVY)
      expect(
        modules.filter((url) => url.includes(`/node_modules/${name}/`)),
        name,
      ).toEqual([]);
  });
});
