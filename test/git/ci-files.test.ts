// The files other tools read: the pre-commit framework's hook manifest, the GitHub Action and the
// CI workflow, checked for the fields those tools need.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => parse(readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8'));

describe('integration files', () => {
  it('.pre-commit-hooks.yaml: a staged-diff hook, a files hook and a pre-push hook, with pre-commit ≥ 3.2 stage names', () => {
    const hooks = read('.pre-commit-hooks.yaml') as Array<Record<string, unknown>>;
    const byId = Object.fromEntries(hooks.map((hook) => [hook.id, hook]));
    expect(byId.lfk).toMatchObject({ entry: 'lfk scan --staged', language: 'node', pass_filenames: false, stages: ['pre-commit'] });
    // Files are passed (the default), so `pre-commit run --all-files` scans them.
    expect(byId['lfk-files']).toMatchObject({ entry: 'lfk scan', language: 'node', types: ['text'] });
    expect(byId['lfk-files']!.pass_filenames).toBeUndefined();
    expect(byId['lfk-pre-push']).toMatchObject({ entry: 'lfk scan --pre-push', pass_filenames: false, stages: ['pre-push'] });
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
    expect(steps.find((step) => step.uses?.startsWith('github/codeql-action/upload-sarif'))?.with.sarif_file).toBe('${{ inputs.sarif-file }}');
  });

  it('ci.yml: tests with a PostgreSQL service, then the self-scan', () => {
    const ci = read('.github/workflows/ci.yml');
    expect(ci.jobs.test.services.postgres.image).toMatch(/^postgres/);
    const runs = (ci.jobs.test.steps as Array<{ run?: string }>).map((step) => step.run ?? '');
    expect(runs).toContain('npm test');
    expect(runs).toContain('node dist/cli/main.js scan --git --all');
  });
});
