// Exposure reports (docs/key-service.md#exposure-reports) and the side-effect-free key check behind
// `POST /v1/keys/verify`.
import type { Kysely } from 'kysely';
import { displayOf, hasKeyShape, isWellFormedKey, sha256Hex } from '../../platform/key-format.js';
import type { ApiKeysTable, Database } from '../../platform/database/schema.js';
import type { ExposureStatus, VerifyStatus } from '../../platform/vocabulary.js';
import { enqueueRevocationNotices } from '../notify/outbox.js';
import { appendAuditEvent } from './audit.js';
import { keyStatus } from './key-objects.js';
import { revokeKeyRow } from './keys.js';
import type { ServiceCall } from './service-call.js';
import type { ExposureSource, RequestContext, RevokedReason } from './types.js';

export interface ExposureResult {
  display: string | null;
  sha256: string;
  status: ExposureStatus;
}

/** A key this report revoked: what the owner is told about. */
export interface ExposureRevocation {
  accountId: string;
  keyId: string;
  keyName: string;
  display: string;
  sha256: string;
  revokedAt: string;
  reason: RevokedReason;
  source: ExposureSource;
  eventId: string;
}

export interface ExposureOutcome<R> {
  results: R[];
  revoked: ExposureRevocation[];
}

/**
 * What one transaction of a report committed: every key it found revoked (this report's
 * revocations and keys revoked before). Called right after the commit, before the rest of the
 * report runs, so a key leaves the caches even when a later part of the report fails.
 */
export type OnCommitted = (committed: { sha256s: string[]; revoked: ExposureRevocation[] }) => void;

/** Who reports, what hears of each commit, and the reason when it is not the source's. */
export interface Reporting {
  context: RequestContext;
  onCommitted: OnCommitted;
  reason?: RevokedReason | undefined;
}

function reasonFor(source: ExposureSource, override: RevokedReason | undefined): RevokedReason {
  if (override) return override;
  return source.kind === 'scanner' ? 'exposed:scanner' : 'exposed:report';
}

function sourceData(source: ExposureSource): Record<string, unknown> {
  return { source: source.kind, url: source.url ?? null, location: source.location ?? null };
}

async function rowsBy(
  db: Kysely<Database>,
  column: 'sha256' | 'hmsl_hash',
  values: string[],
): Promise<Map<string, ApiKeysTable>> {
  const byValue = new Map<string, ApiKeysTable>();
  const unique = [...new Set(values)];
  // Chunks keep each statement well under SQLite's bound-parameter limit.
  for (let start = 0; start < unique.length; start += 500) {
    const chunk = unique.slice(start, start + 500);
    const rows = await db.selectFrom('api_keys').selectAll().where(column, 'in', chunk).execute();
    for (const row of rows) byValue.set(row[column], row);
  }
  return byValue;
}

/** Records the exposure of one stored key and revokes it if it is still live, in the caller's transaction. */
async function exposeRowIn(
  inTrx: ServiceCall,
  row: ApiKeysTable,
  source: ExposureSource,
  { context, reason: override }: Reporting,
): Promise<{ status: 'revoked' | 'already_revoked'; revocation?: ExposureRevocation }> {
  const { db: trx, now } = inTrx;
  const reason = reasonFor(source, override);
  const current = await trx.selectFrom('api_keys').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
  const key = { id: current.id, name: current.name };
  const display = `${current.prefix}…${current.last4}`;
  await appendAuditEvent(inTrx, {
    accountId: current.account_id,
    type: 'key.exposed',
    context,
    key,
    data: { display, ...sourceData(source), already_revoked: current.revoked_at !== null },
    at: now.toISOString(),
  });
  const { row: after, changed, eventId } = await revokeKeyRow(inTrx, current, reason, context, sourceData(source));
  if (!changed || !eventId) return { status: 'already_revoked' as const };
  const revocation: ExposureRevocation = {
    accountId: current.account_id,
    keyId: current.id,
    keyName: current.name,
    display,
    sha256: current.sha256,
    revokedAt: after.revoked_at ?? now.toISOString(),
    reason,
    source,
    eventId,
  };
  // In the revoking transaction: the owner is told exactly when the revocation commits.
  await enqueueRevocationNotices(trx, revocation);
  return { status: 'revoked' as const, revocation };
}

export async function reportExposedKeys(
  call: ServiceCall,
  keys: string[],
  source: ExposureSource,
  reporting: Reporting,
): Promise<ExposureOutcome<ExposureResult>> {
  const { db } = call;
  const hashes = keys.map((key) => sha256Hex(key));
  const wellFormed = keys.map((key) => isWellFormedKey(key));
  const rows = await rowsBy(
    db,
    'sha256',
    hashes.filter((_, index) => wellFormed[index]),
  );
  const results: ExposureResult[] = [];
  const revoked: ExposureRevocation[] = [];
  for (const [index, key] of keys.entries()) {
    const sha256 = hashes[index]!;
    const display = hasKeyShape(key) ? displayOf(key) : null;
    const row = wellFormed[index] ? rows.get(sha256) : undefined;
    if (!wellFormed[index] || !row) {
      results.push({ display, sha256, status: wellFormed[index] ? 'unknown' : 'invalid' });
      continue;
    }
    const outcome = await db.transaction().execute((trx) => exposeRowIn({ ...call, db: trx }, row, source, reporting));
    reporting.onCommitted({ sha256s: [sha256], revoked: outcome.revocation ? [outcome.revocation] : [] });
    if (outcome.revocation) revoked.push(outcome.revocation);
    results.push({ display, sha256, status: outcome.status });
  }
  return { results, revoked };
}

export interface HashExposureResult {
  hmsl_hash: string;
  status: ExposureStatus;
}

/** The same report by GitGuardian HMSL hash, for a webhook server that never sees the key. */
export async function reportExposedHashes(
  call: ServiceCall,
  hmslHashes: string[],
  source: ExposureSource,
  reporting: Reporting,
): Promise<ExposureOutcome<HashExposureResult>> {
  const outcome = await reportByHash(
    call,
    'hmsl_hash',
    hmslHashes.map((hash) => ({ hash, source })),
    reporting,
  );
  return {
    results: outcome.results.map(({ hash, status }) => ({ hmsl_hash: hash, status })),
    revoked: outcome.revoked,
  };
}

export interface Sha256ExposureResult {
  sha256: string;
  status: ExposureStatus;
}

/** A key's SHA-256 and where it was found: what a webhook inbox holds, since it never stores keys. */
export interface FoundSha256 {
  sha256: string;
  source: ExposureSource;
}

/** The same report by SHA-256 of the key, each with its own source (a partner batch names a URL per key). */
export async function reportExposedSha256s(
  call: ServiceCall,
  found: FoundSha256[],
  reporting: Reporting,
): Promise<ExposureOutcome<Sha256ExposureResult>> {
  const outcome = await reportByHash(
    call,
    'sha256',
    found.map((item) => ({ hash: item.sha256, source: item.source })),
    reporting,
  );
  return { results: outcome.results.map(({ hash, status }) => ({ sha256: hash, status })), revoked: outcome.revoked };
}

// Keys exposed together are revoked in transactions of this many (one commit per batch, not per
// key). Between batches the event loop gets a turn: better-sqlite3 is synchronous, and a 1000-key
// batch would otherwise hold every HTTP answer of this process until it is done.
const HASH_BATCH = 100;

async function reportByHash(
  call: ServiceCall,
  column: 'sha256' | 'hmsl_hash',
  items: Array<{ hash: string; source: ExposureSource }>,
  reporting: Reporting,
): Promise<ExposureOutcome<{ hash: string; status: ExposureStatus }>> {
  const { db } = call;
  const valid = (hash: string) => /^[0-9a-f]{64}$/.test(hash);
  const rows = await rowsBy(db, column, items.map((item) => item.hash).filter(valid));
  const results: Array<{ hash: string; status: ExposureStatus }> = [];
  const revoked: ExposureRevocation[] = [];
  for (let start = 0; start < items.length; start += HASH_BATCH) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    const chunk = items.slice(start, start + HASH_BATCH);
    const outcomes = await db.transaction().execute(async (trx) => {
      const done: Array<{ hash: string; sha256?: string; status: ExposureStatus; revocation?: ExposureRevocation }> =
        [];
      for (const { hash, source } of chunk) {
        const row = valid(hash) ? rows.get(hash) : undefined;
        if (!row) {
          done.push({ hash, status: valid(hash) ? 'unknown' : 'invalid' });
          continue;
        }
        const outcome = await exposeRowIn({ ...call, db: trx }, row, source, reporting);
        done.push({
          hash,
          sha256: row.sha256,
          status: outcome.status,
          ...(outcome.revocation && { revocation: outcome.revocation }),
        });
      }
      return done;
    });
    reporting.onCommitted({
      sha256s: outcomes.flatMap((outcome) => (outcome.sha256 ? [outcome.sha256] : [])),
      revoked: outcomes.flatMap((outcome) => (outcome.revocation ? [outcome.revocation] : [])),
    });
    for (const { hash, status, revocation } of outcomes) {
      results.push({ hash, status });
      if (revocation) revoked.push(revocation);
    }
  }
  return { results, revoked };
}

export interface VerifyResult {
  display: string | null;
  sha256: string;
  status: VerifyStatus;
}

export async function verifyKeys({ db, now }: ServiceCall, keys: string[]): Promise<VerifyResult[]> {
  const hashes = keys.map((key) => sha256Hex(key));
  const rows = await rowsBy(
    db,
    'sha256',
    hashes.filter((_, index) => isWellFormedKey(keys[index]!)),
  );
  return keys.map((key, index) => {
    const sha256 = hashes[index]!;
    const display = hasKeyShape(key) ? displayOf(key) : null;
    if (!isWellFormedKey(key)) return { display, sha256, status: 'invalid' };
    const row = rows.get(sha256);
    return { display, sha256, status: row ? keyStatus(row, now) : 'unknown' };
  });
}
