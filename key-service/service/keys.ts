// The key lifecycle (docs/key-service.md#keys): create, list, get, revoke, roll, expire.
import { sql } from 'kysely';
import { ApiError } from '../../platform/errors.js';
import { displayParts, generateKey, sha256Hex } from '../../platform/key-format.js';
import { hmslHash } from '../../platform/hmsl-hash.js';
import { newId } from '../../platform/ids.js';
import type { ApiKeysTable } from '../../platform/database/schema.js';
import {
  DEFAULT_GRACE_HOURS,
  MAX_EXPIRY_DAYS,
  MAX_GRACE_HOURS,
  MAX_KEY_NAME_LENGTH,
  MAX_NOTE_LENGTH,
} from '../../platform/limits/fields.js';
import { KEY_PLANS, isOneOf } from '../../platform/vocabulary.js';
import { findAccountRow } from './accounts.js';
import { appendAuditEvent } from './audit.js';
import { toKeyObject } from './key-objects.js';
import { decodeCursor, toPage } from './paging.js';
import { findOwnedRow } from './owned-rows.js';
import type { ServiceCall } from './service-call.js';
import type { CreatedKey, KeyObject, KeyStatus, Page, RequestContext, RevokedReason, Scope } from './types.js';
import { refusePastedKey } from './no-pasted-keys.js';

const HOUR_MS = 3_600_000;

export interface NewKey {
  name: string;
  scopes?: Scope[] | undefined;
  expires_in_days?: number | undefined;
}

export interface KeyListOptions {
  status?: KeyStatus | undefined;
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

function createdBy(context: RequestContext): string {
  return context.actor.id ?? context.actor.type;
}

/** A key may only hand out scopes it holds itself; a person or the CLI holds them all. */
function assertCanGrant(context: RequestContext, scopes: readonly Scope[]): void {
  if (!context.scopes) return;
  const missing = scopes.filter((scope) => !context.scopes?.includes(scope));
  if (missing.length > 0) {
    throw new ApiError('insufficient_scope', `This key cannot grant scopes it does not have: ${missing.join(', ')}.`);
  }
}

/** A new key and the hashes stored for it. */
interface KeyMaterial {
  key: string;
  sha256: string;
  hmslHash: string;
}

/**
 * Made before the transaction that stores it: the HMSL hash is scrypt work (about 10 ms), and on
 * SQLite a write transaction holds the database's one write lock, which other processes wait for.
 */
async function newKeyMaterial(): Promise<KeyMaterial> {
  const key = generateKey();
  return { key, sha256: sha256Hex(key), hmslHash: await hmslHash(key) };
}

async function insertKey(
  call: ServiceCall,
  accountId: string,
  material: KeyMaterial,
  fields: { name: string; scopes: Scope[]; expiresAt: string | null },
  context: RequestContext,
): Promise<{ row: ApiKeysTable; key: string }> {
  const { key } = material;
  const { prefix, last4 } = displayParts(key);
  const row: ApiKeysTable = {
    id: newId('key'),
    account_id: accountId,
    name: fields.name,
    prefix,
    last4,
    sha256: material.sha256,
    hmsl_hash: material.hmslHash,
    scopes: JSON.stringify(fields.scopes),
    created_at: call.now.toISOString(),
    created_by: createdBy(context),
    last_used_at: null,
    last_used_ip: null,
    expires_at: fields.expiresAt,
    expiry_recorded_at: null,
    revoked_at: null,
    revoked_reason: null,
    replaced_by: null,
  };
  await call.db.insertInto('api_keys').values(row).execute();
  await appendAuditEvent(call, {
    accountId,
    type: 'key.created',
    context,
    key: { id: row.id, name: row.name },
    data: { display: `${prefix}…${last4}`, scopes: fields.scopes, expires_at: fields.expiresAt },
    at: row.created_at,
  });
  return { row, key };
}

function cleanName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > MAX_KEY_NAME_LENGTH) {
    throw new ApiError(
      'invalid_request',
      `The key name must be 1 to ${MAX_KEY_NAME_LENGTH} characters, for example "Production CRM sync".`,
    );
  }
  refusePastedKey('The key name', trimmed);
  return trimmed;
}

export async function createKey(
  call: ServiceCall,
  accountId: string,
  input: NewKey,
  context: RequestContext,
): Promise<CreatedKey> {
  const name = cleanName(input.name);
  const scopes: Scope[] = input.scopes ? [...new Set(input.scopes)] : ['enrichment'];
  if (scopes.length === 0) throw new ApiError('invalid_request', 'A key needs at least one scope.');
  assertCanGrant(context, scopes);
  const days = input.expires_in_days;
  if (days !== undefined && !(Number.isFinite(days) && days > 0 && days <= MAX_EXPIRY_DAYS)) {
    throw new ApiError('invalid_request', `expires_in_days must be a positive number of at most ${MAX_EXPIRY_DAYS}.`);
  }
  const material = await newKeyMaterial();
  const { now } = call;
  return call.db.transaction().execute(async (trx) => {
    const account = await findAccountRow(trx, accountId);
    if (!isOneOf(KEY_PLANS, account.plan)) {
      throw new ApiError(
        'plan_required',
        'API keys come with the Pro and Agency plans. Upgrade this account to Pro or Agency to create keys.',
      );
    }
    const expiresAt = days === undefined ? null : new Date(now.getTime() + days * 24 * HOUR_MS).toISOString();
    const { row, key } = await insertKey(
      { ...call, db: trx },
      accountId,
      material,
      { name, scopes, expiresAt },
      context,
    );
    return { ...toKeyObject(row, account.rotation_period_days, now), key };
  });
}

export async function listKeys(
  { db, now }: ServiceCall,
  accountId: string,
  options: KeyListOptions,
): Promise<Page<KeyObject>> {
  const account = await findAccountRow(db, accountId);
  const after = decodeCursor(options.cursor);
  const nowIso = now.toISOString();
  let query = db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId);
  if (after) query = query.where('id', '<', after);
  if (options.status === 'revoked') query = query.where('revoked_at', 'is not', null);
  if (options.status === 'expired') query = query.where('revoked_at', 'is', null).where('expires_at', '<=', nowIso);
  if (options.status === 'active') {
    query = query
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowIso)]));
  }
  const q = options.q?.trim();
  if (q) {
    const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`lower(${sql.ref('name')}) like ${pattern} escape '\\'`,
        // A pasted display form ("lfk_sk_a1b2…t0Xy") or prefix finds the key by its prefix.
        eb('prefix', '=', q.split('…')[0]!.slice(0, 11)),
      ]),
    );
  }
  const rows = await query
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  return toPage(rows, options.limit, (row) => toKeyObject(row, account.rotation_period_days, now));
}

export async function getKey({ db, now }: ServiceCall, accountId: string, keyId: string): Promise<KeyObject> {
  const account = await findAccountRow(db, accountId);
  return toKeyObject(await findOwnedRow(db, 'api_keys', accountId, keyId), account.rotation_period_days, now);
}

export interface RevokeResult {
  key: KeyObject;
  sha256: string;
  /** False when the key was already revoked (nothing changed). */
  changed: boolean;
}

/** Revokes inside the caller's transaction; a key already revoked is returned unchanged. */
export async function revokeKeyRow(
  call: ServiceCall,
  row: ApiKeysTable,
  reason: RevokedReason,
  context: RequestContext,
  data: Record<string, unknown> = {},
): Promise<{ row: ApiKeysTable; changed: boolean; eventId?: string }> {
  if (row.revoked_at) return { row, changed: false };
  const { db } = call;
  const revokedAt = call.now.toISOString();
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: revokedAt, revoked_reason: reason })
    .where('id', '=', row.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    // Someone else revoked it between our read and our write: theirs stands.
    const current = await db.selectFrom('api_keys').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    return { row: current, changed: false };
  }
  const eventId = await appendAuditEvent(call, {
    accountId: row.account_id,
    type: 'key.revoked',
    context,
    key: { id: row.id, name: row.name },
    data: { reason, display: `${row.prefix}…${row.last4}`, ...data },
    at: revokedAt,
  });
  return { row: { ...row, revoked_at: revokedAt, revoked_reason: reason }, changed: true, eventId };
}

export async function revokeKey(
  call: ServiceCall,
  accountId: string,
  keyId: string,
  note: string | undefined,
  context: RequestContext,
): Promise<RevokeResult> {
  if (note !== undefined && note.length > MAX_NOTE_LENGTH)
    throw new ApiError('invalid_request', `The note must be at most ${MAX_NOTE_LENGTH} characters.`);
  return call.db.transaction().execute(async (trx) => {
    const account = await findAccountRow(trx, accountId);
    const found = await findOwnedRow(trx, 'api_keys', accountId, keyId);
    const { row, changed } = await revokeKeyRow({ ...call, db: trx }, found, 'user', context, note ? { note } : {});
    return { key: toKeyObject(row, account.rotation_period_days, call.now), sha256: row.sha256, changed };
  });
}

export interface RollResult {
  created: CreatedKey;
  old: KeyObject;
  oldSha256: string;
  /** True when a zero grace period revoked the old key at once. */
  oldRevoked: boolean;
}

export async function rollKey(
  call: ServiceCall,
  accountId: string,
  keyId: string,
  graceHours: number | undefined,
  context: RequestContext,
): Promise<RollResult> {
  const grace = graceHours ?? DEFAULT_GRACE_HOURS;
  if (!(Number.isFinite(grace) && grace >= 0 && grace <= MAX_GRACE_HOURS)) {
    throw new ApiError('invalid_request', `grace_period_hours must be a number from 0 to ${MAX_GRACE_HOURS}.`);
  }
  const material = await newKeyMaterial();
  const { now } = call;
  return call.db.transaction().execute(async (trx) => {
    const inTrx = { ...call, db: trx };
    const account = await findAccountRow(trx, accountId);
    const old = await findOwnedRow(trx, 'api_keys', accountId, keyId);
    if (old.revoked_at) throw new ApiError('key_revoked', 'A revoked key cannot be rolled. Create a new key instead.');
    if (old.expires_at && old.expires_at <= now.toISOString()) {
      throw new ApiError('key_revoked', 'An expired key cannot be rolled. Create a new key instead.');
    }
    const scopes = JSON.parse(old.scopes) as Scope[];
    assertCanGrant(context, scopes);
    const { row: fresh, key } = await insertKey(
      inTrx,
      accountId,
      material,
      { name: old.name, scopes, expiresAt: null },
      context,
    );
    let oldRow: ApiKeysTable;
    if (grace === 0) {
      oldRow = (
        await revokeKeyRow(inTrx, { ...old, replaced_by: fresh.id }, 'rolled', context, { replaced_by: fresh.id })
      ).row;
    } else {
      const graceEnd = new Date(now.getTime() + grace * HOUR_MS).toISOString();
      const expiresAt = old.expires_at && old.expires_at < graceEnd ? old.expires_at : graceEnd;
      oldRow = { ...old, expires_at: expiresAt };
      await trx.updateTable('api_keys').set({ expires_at: expiresAt }).where('id', '=', old.id).execute();
    }
    await trx.updateTable('api_keys').set({ replaced_by: fresh.id }).where('id', '=', old.id).execute();
    await appendAuditEvent(inTrx, {
      accountId,
      type: 'key.rolled',
      context,
      key: { id: old.id, name: old.name },
      data: {
        replaced_by: fresh.id,
        grace_period_hours: grace,
        old_key_expires_at: grace === 0 ? null : oldRow.expires_at,
      },
      at: now.toISOString(),
    });
    return {
      created: { ...toKeyObject(fresh, account.rotation_period_days, now), key },
      old: toKeyObject(oldRow, account.rotation_period_days, now),
      oldSha256: old.sha256,
      oldRevoked: grace === 0,
    };
  });
}

/** Writes one `key.expired` event for each key whose expiry has passed; returns their hashes. */
export async function recordExpirations(call: ServiceCall): Promise<string[]> {
  const { db } = call;
  const nowIso = call.now.toISOString();
  const due = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('expiry_recorded_at', 'is', null)
    .where('expires_at', '<=', nowIso)
    .where('revoked_at', 'is', null)
    .limit(500)
    .execute();
  const expired: string[] = [];
  for (const row of due) {
    await db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable('api_keys')
        .set({ expiry_recorded_at: nowIso })
        .where('id', '=', row.id)
        .where('expiry_recorded_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) return; // another instance recorded it
      await appendAuditEvent(
        { ...call, db: trx },
        {
          accountId: row.account_id,
          type: 'key.expired',
          context: { actor: { type: 'system' } },
          key: { id: row.id, name: row.name },
          data: { display: `${row.prefix}…${row.last4}`, expires_at: row.expires_at, replaced_by: row.replaced_by },
          at: row.expires_at ?? nowIso,
        },
      );
      expired.push(row.sha256);
    });
  }
  return expired;
}
