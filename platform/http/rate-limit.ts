// A fixed-window counter per client address: enough to stop one address flooding the
// unauthenticated routes or guessing keys, with no shared state to run. An "address" is its
// budget (address-bucket.ts): an IPv6 /64, or a whole IPv4 address.
import { ApiError } from '../errors.js';
import { addressBucket } from './address-bucket.js';

export class RateLimiter {
  private windows = new Map<string, { startMs: number; count: number }>();

  constructor(
    readonly limit: number,
    private readonly windowMs = 60_000,
    /** What is counted, for the 429's message: "requests", "failed authentications". */
    private readonly counted = 'requests',
  ) {}

  /** Counts one request; throws 429 with `Retry-After` past the limit. */
  take(address: string, nowMs = Date.now()): void {
    const bucket = addressBucket(address);
    this.current(bucket, nowMs).count++;
    this.checkBucket(bucket, nowMs, 0);
  }

  /** Counts one event (a failed authentication) without refusing anything. */
  count(address: string, nowMs = Date.now()): void {
    this.current(addressBucket(address), nowMs).count++;
  }

  /** Throws 429 when the address has already used up its window (`spare` events beyond the limit allowed). */
  check(address: string, nowMs = Date.now(), spare = -1): void {
    this.checkBucket(addressBucket(address), nowMs, spare);
  }

  private checkBucket(bucket: string, nowMs: number, spare: number): void {
    const window = this.windows.get(bucket);
    if (!window || nowMs - window.startMs >= this.windowMs || window.count <= this.limit + spare) return;
    const retryAfter = Math.max(1, Math.ceil((window.startMs + this.windowMs - nowMs) / 1000));
    throw new ApiError('rate_limited', `Too many ${this.counted} from this address. Retry in ${retryAfter} s.`, {
      'Retry-After': String(retryAfter),
      'RateLimit-Limit': String(this.limit),
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': String(Math.ceil((window.startMs + this.windowMs) / 1000)),
    });
  }

  private current(bucket: string, nowMs: number): { startMs: number; count: number } {
    let window = this.windows.get(bucket);
    if (!window || nowMs - window.startMs >= this.windowMs) {
      if (this.windows.size > 50_000) this.prune(nowMs);
      window = { startMs: nowMs, count: 0 };
      this.windows.set(bucket, window);
    }
    return window;
  }

  private prune(nowMs: number): void {
    for (const [bucket, window] of this.windows)
      if (nowMs - window.startMs >= this.windowMs) this.windows.delete(bucket);
  }
}
