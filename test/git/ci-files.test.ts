// The files other tools read: the pre-commit framework's hook manifest, the GitHub Action and the
// CI workflow, checked for the fields those tools need.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startFakeKeyService } from '../scanner/key-service-fake.js';
import { testKey } from '../scanner/keys.js';

const read = (path: string) => parse(readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8'));

describe('integration files', () => {
  it('.pre-commit-hooks.yaml: a staged-diff hook, a files hook and a pre-push hook, with pre-commit ≥ 3.2 stage names', () => {
    const hooks = read('.pre-commit-hooks.yaml') as Array<Record<string, unknown>>;
    const byId = Object.fromEntries(hooks.map((hook) => [hook.id, hook]));
    expect(byId.lfk).toMatchObject({
      entry: 'lfk scan --staged',
      language: 'node',
      pass_filenames: false,
      stages: ['pre-commit'],
    });
    // Files are passed (the default), so `pre-commit run --all-files` scans them.
    expect(byId['lfk-files']).toMatchObject({ entry: 'lfk scan', language: 'node', types: ['text'] });
    expect(byId['lfk-files']!.pass_filenames).toBeUndefined();
    expect(byId['lfk-pre-push']).toMatchObject({
      entry: 'lfk scan --pre-push',
      pass_filenames: false,
      stages: ['pre-push'],
    });
    for (const hook of hooks) expect(hook.minimum_pre_commit_version).toBe('3.2.0');
  });

  it('action.yml: composite, Node 20, a SARIF scan of the history uploaded to code scanning', () => {
    const action = read('action.yml');
    expect(action.runs.using).toBe('composite');
    const steps = action.runs.steps as Array<Record<string, any>>;
    expect(steps.find((step) => step.uses?.startsWith('actions/setup-node'))?.with['node-version']).toBe(20);
    const scan = steps.find((step) => step.id === 'scan')!;
    expect(scan.run).toContain('--format sarif --output "$LFK_SARIF"');
    expect(action.inputs.args.default).toBe('--git --all');
    expect(action.inputs['sarif-file'].default).toBe('lfk.sarif');
    expect(steps.find((step) => step.uses?.startsWith('github/codeql-action/upload-sarif'))?.with.sarif_file).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template.
      '${{ inputs.sarif-file }}',
    );
  });

  it("action.yml's scan step: with a key service a key revoked long ago passes (--fail-on live), without one it fails", async () => {
    const action = read('action.yml');
    const scan = (action.runs.steps as Array<Record<string, any>>).find((step) => step.id === 'scan')!;
    const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template.
    const script = String(scan.run).replaceAll('${{ github.action_path }}', root);
    const revoked = testKey('action-revoked');
    const service = await startFakeKeyService({ [revoked]: 'revoked' });
    try {
      // Spawned without blocking: the fake key service answers from this process.
      const runStep = async (env: Record<string, string>) => {
        const cwd = mkdtempSync(join(tmpdir(), 'lfk-action-'));
        writeFileSync(join(cwd, 'old.env'), `KEY=${revoked}\n`);
        const output = join(cwd, 'github-output');
        writeFileSync(output, '');
        const child = spawn('bash', ['-c', script], {
          cwd,
          env: {
            ...process.env,
            LFK_ARGS: '.',
            LFK_REVOKE: 'false',
            LFK_SARIF: 'lfk.sarif',
            LFK_FAIL_ON: '',
            GITHUB_OUTPUT: output,
            ...env,
          },
          stdio: 'ignore',
        });
        const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
        return { status, output: readFileSync(output, 'utf8').trim() };
      };
      expect(await runStep({ LFK_KEY_SERVICE_URL: service.url })).toEqual({ status: 0, output: 'exit-code=0' });
      expect(await runStep({ LFK_KEY_SERVICE_URL: '' })).toEqual({ status: 0, output: 'exit-code=1' });
      expect(await runStep({ LFK_KEY_SERVICE_URL: service.url, LFK_FAIL_ON: 'any' })).toEqual({
        status: 0,
        output: 'exit-code=1',
      });
      expect(action.inputs['fail-on'].default).toBe('');
    } finally {
      await service.close();
    }
  });

  it('ci.yml: tests with a PostgreSQL service, then the self-scan', () => {
    const ci = read('.github/workflows/ci.yml');
    expect(ci.jobs.test.services.postgres.image).toMatch(/^postgres/);
    const runs = (ci.jobs.test.steps as Array<{ run?: string }>).map((step) => step.run ?? '');
    expect(runs).toContain('npm test');
    expect(runs).toContain('node dist/cli/main.js scan --git --all');
  });
});
