// The tables, as Kysely sees them. Times are ISO-8601 UTC strings (`toISOString()`), which sort
// and compare the same way as text on SQLite and PostgreSQL.
import type { Generated } from 'kysely';
import type {
  ActorType,
  InstallationStatus,
  JobStatus,
  NoticeChannel,
  Plan,
  QueueStatus,
  RevokedReason,
  Role,
  WebhookProvider,
} from '../vocabulary.js';

export interface AccountsTable {
  id: string;
  name: string;
  plan: Plan;
  rotation_period_days: number;
  notification_url: string | null;
  notification_secret: string | null;
  created_at: string;
}

export interface UsersTable {
  id: string;
  account_id: string;
  email: string;
  password_hash: string;
  role: Role;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string;
  prefix: string;
  last4: string;
  /** Hex SHA-256 of the full key; GitHub's `token_hash`. */
  sha256: string;
  /** GitGuardian's HasMySecretLeaked hash of the full key. */
  hmsl_hash: string;
  /** JSON array of scope names. */
  scopes: string;
  created_at: string;
  /** `usr_…`, `key_…` or `cli`. */
  created_by: string;
  last_used_at: string | null;
  last_used_ip: string | null;
  expires_at: string | null;
  /** When the `key.expired` event was written (so it is written once). */
  expiry_recorded_at: string | null;
  revoked_at: string | null;
  revoked_reason: RevokedReason | null;
  /** The key a roll replaced this one with. */
  replaced_by: string | null;
}

export interface AuditEventsTable {
  id: string;
  account_id: string;
  type: string;
  at: string;
  actor_type: ActorType;
  actor_id: string | null;
  key_id: string | null;
  key_name: string | null;
  ip: string | null;
  user_agent: string | null;
  /** JSON object. */
  data: string;
}

export interface JobsTable {
  id: string;
  account_id: string;
  key_id: string;
  file_url: string;
  status: JobStatus;
  created_at: string;
}

export interface UsageCountersTable {
  key_id: string;
  account_id: string;
  /** `YYYY-MM` (UTC). */
  period: string;
  requests: number;
  jobs: number;
}

/**
 * A signed-in person's session (docs/key-service.md#authentication): only a SHA-256 of the cookie's
 * token is kept.
 */
export interface WebSessionsTable {
  id: string;
  /** Hex SHA-256 of the session token the cookie carries. */
  token_sha256: string;
  user_id: string;
  account_id: string;
  /** The synchronizer token every form of this session must send back. */
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

/** One-time links that create the first account (printed by `lfk serve` on an empty database). */
export interface WebSetupTokensTable {
  /** Hex SHA-256 of the token in the link. */
  token_sha256: string;
  created_at: string;
  used_at: string | null;
}

/**
 * Sign-in attempts per subject (`pair:<address> <email>`, `ip:…`, `email:…`) in the current
 * window, any lock-out, and for an e-mail address the next free turn for a password check.
 */
export interface WebLoginThrottleTable {
  subject: string;
  failures: number;
  window_started_at: string;
  locked_until: string | null;
  /** Epoch milliseconds (bigint on PostgreSQL, which pg returns as a string). */
  next_check_ms: number | string | null;
}

/** Shared by the durable queues: the webhook inbox, the notification outbox and the history backfill. */
export interface QueueColumns {
  id: string;
  payload: string;
  status: QueueStatus;
  attempts: number;
  next_attempt_at: string;
  locked_until: string | null;
  last_error: string | null;
  /** JSON: what processing did (or why it was skipped). */
  result: string | null;
  processed_at: string | null;
}

/**
 * Every accepted webhook delivery, stored before the 2xx (docs/webhooks.md#the-inbox). Never holds
 * a full key.
 */
export interface WebhookDeliveriesTable extends QueueColumns {
  provider: WebhookProvider;
  event: string;
  dedup_key: string;
  received_at: string;
}

/**
 * Notices to an account that a key was revoked for exposure, written with the revocation
 * (docs/webhooks.md#telling-the-owner).
 */
export interface NotificationOutboxTable extends QueueColumns {
  event_id: string;
  channel: NoticeChannel;
  account_id: string;
  key_id: string;
  created_at: string;
}

/**
 * One repository's history scan after an installation event
 * (docs/github-app.md#what-was-there-before-the-history-scan): payload holds nothing but ids and
 * names. `dedup_key` (delivery id + repository) keeps one event from queueing a scan twice.
 */
export interface GithubBackfillJobsTable extends QueueColumns {
  installation_id: string;
  /** `owner/name`. */
  repository: string;
  dedup_key: string;
  created_at: string;
}

/** GitHub App installations, as `installation` and `installation_repositories` events report them. */
export interface GithubInstallationsTable {
  id: string;
  account_login: string;
  account_type: string;
  repository_selection: string;
  repositories: string | null;
  status: InstallationStatus;
  created_at: string;
  updated_at: string;
}

export interface Database {
  accounts: AccountsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
  jobs: JobsTable;
  usage_counters: UsageCountersTable;
  web_sessions: WebSessionsTable;
  web_setup_tokens: WebSetupTokensTable;
  web_login_throttle: WebLoginThrottleTable;
  webhook_deliveries: WebhookDeliveriesTable;
  notification_outbox: NotificationOutboxTable;
  github_installations: GithubInstallationsTable;
  github_backfill_jobs: GithubBackfillJobsTable;
  lfk_migrations: { name: string; applied_at: string; id: Generated<number> };
}
