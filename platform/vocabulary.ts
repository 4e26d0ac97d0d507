// The words lfk's parts exchange, each listed once. The types derive from these lists, and the
// API's schemas (zod enums), the command line, the web page, the service, the HTTP client and the
// store's types all take them from here, so a word added or renamed changes everywhere at once.

/** True when `value` is one of `words`: narrows a string read from outside (a flag, a form field). */
export function isOneOf<Word extends string>(words: readonly Word[], value: string | undefined): value is Word {
  return (words as readonly (string | undefined)[]).includes(value);
}

/** What a key may be used for. */
export const SCOPES = ['enrichment', 'keys:manage'] as const;
export type Scope = (typeof SCOPES)[number];

export const PLANS = ['free', 'pro', 'agency'] as const;
export type Plan = (typeof PLANS)[number];
/** The plans that come with API keys. */
export const KEY_PLANS = ['pro', 'agency'] as const satisfies readonly Plan[];

/** A person's role in an account. */
export const ROLES = ['owner', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** A key lfk issued, as it stands now (revoked wins over expired). */
export const KEY_STATUSES = ['active', 'expired', 'revoked'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** What `POST /v1/keys/verify` says of a string: a key's status, a key lfk did not issue, or no key at all. */
export const VERIFY_STATUSES = [...KEY_STATUSES, 'unknown', 'invalid'] as const;
export type VerifyStatus = (typeof VERIFY_STATUSES)[number];

/** What an exposure report did with each key (or hash) it was given. */
export const EXPOSURE_STATUSES = ['revoked', 'already_revoked', 'unknown', 'invalid'] as const;
export type ExposureStatus = (typeof EXPOSURE_STATUSES)[number];

/** Where an exposure was found. */
export const SOURCE_KINDS = ['scanner', 'github', 'gitguardian', 'gitlab', 'other'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
/** The sources whose reports come through our webhook receivers. */
export const WEBHOOK_SOURCE_KINDS = ['github', 'gitguardian', 'gitlab'] as const satisfies readonly SourceKind[];
export type WebhookSourceKind = (typeof WEBHOOK_SOURCE_KINDS)[number];

/** Why a key was revoked because it leaked: who found it. */
export const EXPOSED_REASONS = [
  'exposed:github-partner',
  'exposed:github-app',
  'exposed:gitguardian',
  'exposed:gitlab',
  'exposed:scanner',
  'exposed:report',
] as const;
export type ExposedReason = (typeof EXPOSED_REASONS)[number];
/** Why a key was revoked: by its owner (`user`), by a roll with no grace period (`rolled`), or because it leaked. */
export const REVOKED_REASONS = ['user', 'rolled', ...EXPOSED_REASONS] as const;
export type RevokedReason = (typeof REVOKED_REASONS)[number];

/** Who made a change, as the audit log records it. */
export const ACTOR_TYPES = ['user', 'key', 'system', ...WEBHOOK_SOURCE_KINDS, 'reporter'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** An enrichment job's progress. */
export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A row of a durable queue (the webhook inbox, the notification outbox, the history backfill). */
export const QUEUE_STATUSES = ['pending', 'processing', 'done', 'failed'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

/** Who sent a stored webhook delivery. */
export const WEBHOOK_PROVIDERS = ['github-partner', 'github-app', 'gitguardian', 'gitlab'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** How an account's owners are told that a key was revoked for exposure. */
export const NOTICE_CHANNELS = ['email', 'webhook'] as const;
export type NoticeChannel = (typeof NOTICE_CHANNELS)[number];

/** A GitHub App installation, as its events leave it. */
export const INSTALLATION_STATUSES = ['active', 'suspended', 'deleted'] as const;
export type InstallationStatus = (typeof INSTALLATION_STATUSES)[number];
