// --verify and --revoke against a fake key service on loopback, and against one that is down.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testKey } from './keys.js';
import { startFakeKeyService, type FakeKeyService } from './key-service-fake.js';
import { runLfk } from './run-lfk.js';

const LIVE = testKey('svc-live');
const REVOKED = testKey('svc-revoked');
const STRANGER = testKey('svc-unknown');
const display = (key: string) => `${key.slice(0, 11)}…${key.slice(-4)}`;

function project(): string {
  const cwd = mkdtempSync(join(tmpdir(), 'lfk-svc-'));
  writeFileSync(join(cwd, 'a.env'), `A=${LIVE}\nB=${REVOKED}\nlfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0\n`);
  writeFileSync(join(cwd, 'b.env'), `C=${STRANGER}\nA_AGAIN=${LIVE}\n`);
  return cwd;
}

let service: FakeKeyService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

describe('--verify', () => {
  it('asks once per distinct key and reports each status', async () => {
    service = await startFakeKeyService({ [LIVE]: 'active', [REVOKED]: 'revoked' });
    const cwd = project();
    const run = await runLfk(['scan', '--verify', '--format', 'json', '--report-invalid'], {
      cwd,
      env: { LFK_KEY_SERVICE_URL: service.url },
    });
    expect(run.code).toBe(1);
    expect(service.requests).toEqual([{ path: '/v1/keys/verify', body: { keys: [LIVE, REVOKED, STRANGER] } }]);
    const statuses = JSON.parse(run.stdout).findings.map((f: Record<string, unknown>) => [
      f.file,
      f.line,
      f.status ?? null,
    ]);
    expect(statuses).toEqual([
      ['a.env', 1, 'active'],
      ['a.env', 2, 'revoked'],
      ['a.env', 3, null],
      ['b.env', 1, 'unknown'],
      ['b.env', 2, 'active'],
    ]);
  });
});

describe('settings from .env', () => {
  it('finds LFK_KEY_SERVICE_URL in a .env file of the current directory', async () => {
    service = await startFakeKeyService({ [LIVE]: 'active' });
    const cwd = project();
    writeFileSync(join(cwd, '.env'), `LFK_KEY_SERVICE_URL=${service.url}\n`);
    const run = await runLfk(['scan', '--verify', '--format', 'json', 'a.env'], { cwd });
    expect(run.code).toBe(1);
    expect(service.requests.map((request) => request.path)).toEqual(['/v1/keys/verify']);
  });
});

describe('--revoke', () => {
  it('reports the keys as exposures and prints the outcome per key', async () => {
    service = await startFakeKeyService({ [LIVE]: 'active', [REVOKED]: 'revoked' });
    const cwd = project();
    const run = await runLfk(['scan', '--revoke'], { cwd, env: { LFK_KEY_SERVICE_URL: `${service.url}/` } });
    expect(run.code).toBe(1);
    expect(service.requests).toHaveLength(1);
    expect(service.requests[0]?.path).toBe('/v1/exposures');
    expect(service.requests[0]?.body.keys).toEqual([LIVE, REVOKED, STRANGER]);
    expect(service.requests[0]?.body.source).toEqual({
      kind: 'scanner',
      location: 'a.env:1, a.env:2, b.env:1, b.env:2',
    });
    expect(run.stderr).toContain(`lfk: revoke: ${display(LIVE)}: revoked`);
    expect(run.stderr).toContain(`lfk: revoke: ${display(REVOKED)}: already_revoked`);
    expect(run.stderr).toContain(`lfk: revoke: ${display(STRANGER)}: unknown`);
    expect(run.stdout).toContain('revocation revoked');
    expect(run.stdout + run.stderr).not.toContain(LIVE);
  });

  it('waits out a 429 and tries again', async () => {
    service = await startFakeKeyService({ [LIVE]: 'active' });
    service.rateLimitNext(1);
    const run = await runLfk(['scan', '--revoke', 'a.env'], {
      cwd: project(),
      env: { LFK_KEY_SERVICE_URL: service.url },
    });
    expect(run.code).toBe(1);
    expect(service.requests.map((r) => r.path)).toEqual(['/v1/exposures', '/v1/exposures']);
    expect(run.stderr).toContain(`${display(LIVE)}: revoked`);
  });

  it('a key service that is down: an error, exit 2, and the findings still reported', async () => {
    // A port that was just free: nothing listens on it.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const run = await runLfk(['scan', '--revoke', '--format', 'json'], {
      cwd: project(),
      env: { LFK_KEY_SERVICE_URL: `http://127.0.0.1:${port}` },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /lfk: error: the key service at http:\/\/127\.0\.0\.1:\d+ cannot be reached \(ECONNREFUSED\)/,
    );
    const findings = JSON.parse(run.stdout).findings;
    expect(findings).toHaveLength(4);
    expect(findings.every((f: { revocation: string }) => f.revocation === 'failed')).toBe(true);
  });

  it('without LFK_KEY_SERVICE_URL: exit 2 naming the variable, before scanning', async () => {
    for (const flag of ['--revoke', '--verify']) {
      const run = await runLfk(['scan', flag], { cwd: project() });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('LFK_KEY_SERVICE_URL');
      expect(run.stdout).toBe('');
    }
  });
});

describe('--fail-on (docs/scanner.md#use)', () => {
  const freePort = () =>
    new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
  const onlyRevoked = () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lfk-failon-'));
    writeFileSync(join(cwd, 'old.env'), `B=${REVOKED}\nC=${STRANGER}\n`);
    return cwd;
  };

  it('live and active: a revoked or unknown key passes, an active one fails; the report lists every finding with its status', async () => {
    service = await startFakeKeyService({ [LIVE]: 'active', [REVOKED]: 'revoked' });
    const env = { LFK_KEY_SERVICE_URL: service.url };
    for (const failOn of ['live', 'active']) {
      const passing = await runLfk(['scan', '--fail-on', failOn, '--format', 'json'], { cwd: onlyRevoked(), env });
      expect(passing.code, failOn).toBe(0);
      expect(JSON.parse(passing.stdout).findings.map((f: { status: string }) => f.status)).toEqual([
        'revoked',
        'unknown',
      ]);
      const failing = await runLfk(['scan', '--fail-on', failOn, '--format', 'json'], { cwd: project(), env });
      expect(failing.code, failOn).toBe(1);
    }
    // any (the default) fails on any valid key, checked or not.
    expect((await runLfk(['scan'], { cwd: onlyRevoked(), env })).code).toBe(1);
    expect((await runLfk(['scan', '--fail-on', 'any'], { cwd: onlyRevoked(), env })).code).toBe(1);
  });

  it('a key service that is down: live fails (a key it could not check counts as live), active is an error', async () => {
    const env = { LFK_KEY_SERVICE_URL: `http://127.0.0.1:${await freePort()}` };
    const live = await runLfk(['scan', '--fail-on', 'live', '--format', 'json'], { cwd: onlyRevoked(), env });
    expect(live.code).toBe(1);
    expect(live.stderr).toMatch(/lfk: error: the key service at .* cannot be reached/);
    expect(JSON.parse(live.stdout).findings).toHaveLength(2);
    expect((await runLfk(['scan', '--fail-on', 'active'], { cwd: onlyRevoked(), env })).code).toBe(2);
  });

  it('bad values and a missing key service are usage errors', async () => {
    const bad = await runLfk(['scan', '--fail-on', 'verified'], { cwd: onlyRevoked() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-on must be any, live or active, not "verified"');
    const missing = await runLfk(['scan', '--fail-on', 'live'], {
      cwd: onlyRevoked(),
      env: { LFK_KEY_SERVICE_URL: '' },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--fail-on live needs the key service: set LFK_KEY_SERVICE_URL');
  });
});
