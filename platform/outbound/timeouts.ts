// How long lfk waits for anyone it calls (GitHub, GitGuardian, SMTP servers, notification URLs):
// one default here, LFK_OUTBOUND_TIMEOUT_MS to change it, and options to shorten it in tests.

export const DEFAULT_OUTBOUND_TIMEOUT_MS = 10_000;

/**
 * `fetch` that gives up after `timeoutMs` (for clients such as Octokit that take a fetch but no
 * timeout). A caller's own signal still works alongside it.
 */
export function fetchWithTimeout(inner: typeof fetch, timeoutMs: number = DEFAULT_OUTBOUND_TIMEOUT_MS): typeof fetch {
  return (input, init = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return inner(input, { ...init, signal });
  };
}
