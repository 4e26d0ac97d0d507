// Cross-site request forgery defences for every form:
// - signed in: a synchronizer token kept with the session, sent back in a hidden field;
// - before sign-in (login, setup): a double-submit cookie matching a hidden field;
// - always: a browser's Origin / Sec-Fetch-Site must say the form came from this site.
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { secretsEqual } from '../../platform/constant-time.js';
import { ApiError } from '../../platform/errors.js';
import { randomToken } from '../../platform/ids.js';

export const CSRF_FIELD = 'csrf';
const PRE_SESSION_COOKIE = 'lfk_csrf';
const CSRF_REFUSED = 'This form has expired or did not come from this site. Reload the page and try again.';

export function sameToken(sent: string | undefined, expected: string): boolean {
  return sent !== undefined && secretsEqual(sent, expected);
}

/** True when the browser says the request came from this site (or says nothing, as non-browsers do). */
export function fromThisSite(c: Context, publicOrigin: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  return origin === publicOrigin || origin === new URL(c.req.url).origin;
}

export function assertFromThisSite(c: Context, publicOrigin: string): void {
  if (!fromThisSite(c, publicOrigin)) throw new ApiError('csrf_failed', CSRF_REFUSED);
}

function assertSessionToken(form: URLSearchParams, expected: string): void {
  if (!sameToken(form.get(CSRF_FIELD) ?? undefined, expected)) throw new ApiError('csrf_failed', CSRF_REFUSED);
}

/** The pre-session token for the login and setup forms, set as a cookie when there is none yet. */
export function preSessionToken(c: Context, secure: boolean): string {
  const existing = getCookie(c, PRE_SESSION_COOKIE);
  if (existing && /^[\w-]{43}$/.test(existing)) return existing;
  const token = randomToken();
  setCookie(c, PRE_SESSION_COOKIE, token, { path: '/app', httpOnly: true, sameSite: 'Lax', secure });
  return token;
}

export function assertPreSessionToken(c: Context, form: URLSearchParams): void {
  const cookie = getCookie(c, PRE_SESSION_COOKIE);
  if (!cookie || !sameToken(form.get(CSRF_FIELD) ?? undefined, cookie)) throw new ApiError('csrf_failed', CSRF_REFUSED);
}

/** The fields of a posted form; only the URL-encoded forms these pages send are accepted. */
export async function readForm(c: Context): Promise<URLSearchParams> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new ApiError('unsupported_media_type', 'Send the form as application/x-www-form-urlencoded.');
  }
  return new URLSearchParams(await c.req.text());
}

/** A form posted by a signed-in person: from this site, carrying the session's token. */
export async function readSignedForm(c: Context, publicOrigin: string, csrfToken: string): Promise<URLSearchParams> {
  assertFromThisSite(c, publicOrigin);
  const form = await readForm(c);
  assertSessionToken(form, csrfToken);
  return form;
}
