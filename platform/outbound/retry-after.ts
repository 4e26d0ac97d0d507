// How long a peer that answered 429 (or GitHub's rate-limited 403) asked us to wait.

/** Waits longer than this are cut short: the retry comes back and is asked again. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * `Retry-After` in seconds or as an HTTP date; else GitHub's `x-ratelimit-reset` (Unix seconds)
 * when `x-ratelimit-remaining` is 0; else undefined.
 */
export function retryAfterMs(
  headers: Record<string, string | number | undefined> | Headers,
  now = Date.now(),
): number | undefined {
  const get = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return value === undefined || value === null ? undefined : String(value);
  };
  const clamp = (ms: number) => Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
  const retryAfter = get('retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (retryAfter.trim() !== '' && Number.isFinite(seconds)) return clamp(seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return clamp(date - now);
  }
  const reset = Number(get('x-ratelimit-reset'));
  if (get('x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) return clamp(reset * 1000 - now);
  return undefined;
}
