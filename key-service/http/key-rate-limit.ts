// Per-key request limits: one-second windows per key on this instance. A Map lookup and two
// integer compares, so the authenticated hot path barely notices it.
import { DEFAULT_KEY_RATE_LIMIT } from '../../platform/defaults.js';
import { ApiError } from '../../platform/errors.js';

interface Window {
  second: number;
  count: number;
}

export class KeyRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(readonly perSecond: number = DEFAULT_KEY_RATE_LIMIT) {}

  /** Counts one request of the key; true while it is within its limit for this second. */
  take(keyId: string, nowMs: number): boolean {
    const second = Math.floor(nowMs / 1000);
    let window = this.windows.get(keyId);
    if (window === undefined) {
      if (this.windows.size >= 100_000) this.prune(second);
      window = { second, count: 0 };
      this.windows.set(keyId, window);
    } else if (window.second !== second) {
      window.second = second;
      window.count = 0;
    }
    return ++window.count <= this.perSecond;
  }

  /** The 429 a key over its limit gets, with the limit in its headers. */
  refusal(nowMs: number): ApiError {
    const resetSeconds = Math.floor(nowMs / 1000) + 1;
    return new ApiError(
      'rate_limited',
      `This key made more than ${this.perSecond} requests in one second. Retry in 1 s.`,
      {
        'Retry-After': '1',
        'RateLimit-Limit': String(this.perSecond),
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': String(resetSeconds),
      },
    );
  }

  private prune(second: number): void {
    for (const [keyId, window] of this.windows) if (window.second !== second) this.windows.delete(keyId);
  }
}
