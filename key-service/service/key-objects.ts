// Stored key rows → the key objects the API shows (never the key itself).
import type { ApiKeysTable } from '../../platform/database/schema.js';
import type { KeyObject, KeyStatus, Scope } from './types.js';

const DAY_MS = 86_400_000;

export function keyStatus(row: Pick<ApiKeysTable, 'revoked_at' | 'expires_at'>, now: Date): KeyStatus {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at && row.expires_at <= now.toISOString()) return 'expired';
  return 'active';
}

export function parseScopes(stored: string): Scope[] {
  return JSON.parse(stored) as Scope[];
}

export function toKeyObject(row: ApiKeysTable, rotationPeriodDays: number, now: Date): KeyObject {
  const status = keyStatus(row, now);
  const rotationDue = new Date(Date.parse(row.created_at) + rotationPeriodDays * DAY_MS).toISOString();
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    last4: row.last4,
    display: `${row.prefix}…${row.last4}`,
    scopes: parseScopes(row.scopes),
    status,
    created_at: row.created_at,
    created_by: row.created_by,
    last_used_at: row.last_used_at,
    expires_at: row.expires_at,
    rotation_due_at: rotationDue,
    rotation_overdue: status === 'active' && rotationDue <= now.toISOString(),
    revoked_at: row.revoked_at,
    revoked_reason: row.revoked_reason,
  };
}
