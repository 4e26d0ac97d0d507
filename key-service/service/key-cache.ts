// In-memory cache of verified keys, by SHA-256. A revocation deletes the entry at once; the TTL
// bounds how long a revocation made elsewhere can go unseen when no signal reaches us.
import type { Plan } from '../store/schema.js';
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
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  get(sha256: string, nowMs: number): VerifiedKey | undefined {
    const entry = this.entries.get(sha256);
    if (entry && nowMs - entry.cachedAtMs < this.ttlMs) {
      this.hits++;
      return entry.key;
    }
    if (entry) this.entries.delete(sha256);
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
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
