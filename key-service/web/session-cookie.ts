// The session cookie, and the middleware that lets only signed-in people through.
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { clientAddress } from '../../platform/http/client-address.js';
import type { RequestContext } from '../service/types.js';
import type { WebDeps, WebEnv } from './env.js';
import type { Viewer } from './layout.js';

/** The name /openapi.json declares for the session cookie. */
export const SESSION_COOKIE = 'lfk_session';

export function setSessionCookie(c: Context, deps: WebDeps, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: deps.secure,
    maxAge: Math.floor(deps.signIn.limits.session.maxMs / 1000),
  });
}

export function clearSessionCookie(c: Context, deps: WebDeps): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure: deps.secure });
}

export function sessionToken(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

/** Signed in, or sent to the sign-in page (a form posted after the session ended changes nothing). */
export function requireSession(deps: WebDeps): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const session = await deps.signIn.session(sessionToken(c));
    if (!session) return c.redirect('/app/login', 303);
    c.set('session', session);
    c.set('account', await deps.service.getAccount(session.accountId));
    await next();
  };
}

export function viewerOf(c: Context<WebEnv>): Viewer {
  return { email: c.get('session').email, accountName: c.get('account').name, csrfToken: c.get('session').csrfToken };
}

/** Who is acting, for the audit log: the signed-in person, from their address and browser. */
export function userContext(
  c: Context<WebEnv>,
  deps: WebDeps,
  userId: string = c.get('session').userId,
): RequestContext {
  return {
    actor: { type: 'user', id: userId },
    ip: clientAddress(c, deps.trustProxy),
    userAgent: c.req.header('user-agent'),
  };
}
