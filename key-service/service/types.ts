// The shapes the key service hands out (docs/key-service.md#routes, #audit-events) and the context
// every change carries.
import type { ActorType, KeyStatus, Plan, RevokedReason, Scope, SourceKind } from '../../platform/vocabulary.js';

// The words these shapes use, defined in platform/vocabulary.ts.
export type { ActorType, KeyStatus, Plan, RevokedReason, Scope };

export interface Actor {
  type: ActorType;
  id?: string;
}

/** Who is asking, from where, and (for a key) with which scopes. */
export interface RequestContext {
  actor: Actor;
  ip?: string | undefined;
  userAgent?: string | undefined;
  /** The calling key's scopes; undefined for a signed-in person or the CLI, who hold them all. */
  scopes?: readonly Scope[] | undefined;
}

export interface KeyObject {
  id: string;
  name: string;
  prefix: string;
  last4: string;
  display: string;
  scopes: Scope[];
  status: KeyStatus;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  expires_at: string | null;
  rotation_due_at: string;
  /** True when an active key is past `rotation_due_at`. */
  rotation_overdue: boolean;
  revoked_at: string | null;
  revoked_reason: RevokedReason | null;
}

export interface CreatedKey extends KeyObject {
  /** The full key: present only in the response that creates it. */
  key: string;
}

export interface AccountObject {
  id: string;
  name: string;
  plan: Plan;
  rotation_period_days: number;
  notification_url: string | null;
}

export interface AuditEvent {
  id: string;
  type: string;
  at: string;
  actor: Actor;
  key_id?: string;
  key_name?: string;
  ip?: string;
  user_agent?: string;
  data: Record<string, unknown>;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** Where a reported key was found. */
export interface ExposureSource {
  kind: SourceKind;
  url?: string | undefined;
  location?: string | undefined;
}
