// A fixed-window counter per client address: enough to stop one address flooding the
// unauthenticated routes, with no shared state to run.
import { ApiError } from '../errors.js';

export class RateLimiter {
  private windows = new Map<string, { startMs: number; count: number }>();

  constructor(
    readonly limit: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Counts one request; throws 429 with `Retry-After` past the limit. */
  take(address: string, nowMs = Date.now()): void {
    let window = this.windows.get(address);
    if (!window || nowMs - window.startMs >= this.windowMs) {
      if (this.windows.size > 50_000) this.prune(nowMs);
      window = { startMs: nowMs, count: 0 };
      this.windows.set(address, window);
    }
    window.count++;
    if (window.count > this.limit) {
      const retryAfter = Math.max(1, Math.ceil((window.startMs + this.windowMs - nowMs) / 1000));
      throw new ApiError('rate_limited', `Too many requests from this address. Retry in ${retryAfter} s.`, {
        'Retry-After': String(retryAfter),
        'RateLimit-Limit': String(this.limit),
        'RateLimit-Remaining': '0',
      });
    }
  }

  private prune(nowMs: number): void {
    for (const [address, window] of this.windows) if (nowMs - window.startMs >= this.windowMs) this.windows.delete(address);
  }
}
