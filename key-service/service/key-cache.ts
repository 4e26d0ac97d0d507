// In-memory cache of verified keys, by SHA-256. A revocation deletes the entry at once; the TTL
// bounds how long a revocation made elsewhere can go unseen when no signal reaches us.
//
// It also remembers, for as long, the well-formed keys the database refused because they are
// revoked or were never issued: neither can become valid again (a revocation is for ever, and a new
// key is random, so nobody holds it before it exists). A leaked, revoked key that bots keep trying
// then costs no database lookup. Expired keys are not remembered: an expiry can still move.
import type { Plan } from './types.js';
import type { Scope } from './types.js';

export interface VerifiedKey {
  id: string;
  accountId: string;
  accountPlan: Plan;
  name: string;
  scopes: Scope[];
  sha256: string;
  expiresAt: string | null;
  /** `expiresAt` as milliseconds, so the hot path compares numbers. */
  expiresAtMs: number | null;
  lastUsedAt: string | null;
}

interface Entry {
  key: VerifiedKey;
  cachedAtMs: number;
}

export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  /** SHA-256 → when the database refused it. */
  private readonly refusals = new Map<string, number>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    /** Random guesses must not grow memory: past this, the oldest refusals are forgotten. */
    private readonly maxRefusals = 10_000,
  ) {}

  refuse(sha256: string, nowMs: number): void {
    if (this.ttlMs <= 0) return;
    if (this.refusals.size >= this.maxRefusals) {
      const oldest = this.refusals.keys().next().value;
      if (oldest !== undefined) this.refusals.delete(oldest);
    }
    this.refusals.set(sha256, nowMs);
  }

  /** The verified key; null when the database refused it (revoked or unknown) within the TTL; undefined when only the database can tell. */
  get(sha256: string, nowMs: number): VerifiedKey | null | undefined {
    const entry = this.entries.get(sha256);
    if (entry && nowMs - entry.cachedAtMs < this.ttlMs) {
      this.hits++;
      return entry.key;
    }
    if (entry) this.entries.delete(sha256);
    const refusedAt = this.refusals.get(sha256);
    if (refusedAt !== undefined && nowMs - refusedAt < this.ttlMs) {
      this.hits++;
      return null;
    }
    if (refusedAt !== undefined) this.refusals.delete(sha256);
    this.misses++;
    return undefined;
  }

  set(key: VerifiedKey, nowMs: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key.sha256, { key, cachedAtMs: nowMs });
  }

  delete(sha256: string): void {
    this.entries.delete(sha256);
    this.refusals.delete(sha256);
  }

  clear(): void {
    this.entries.clear();
    this.refusals.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
