// /app/login, /app/logout and /app/setup: who may use the page.
import type { Context, Hono } from 'hono';
import { ApiError } from '../../../platform/errors.js';
import { clientAddress } from '../../../platform/http/client-address.js';
import { MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH } from '../../../platform/limits/fields.js';
import { PLANS } from '../../../platform/vocabulary.js';
import { hashPassword, verifyPassword } from '../../passwords.js';
import { appendAuditEvent } from '../../service/audit.js';
import type { Plan } from '../../service/types.js';
import { assertFromThisSite, assertPreSessionToken, preSessionToken, readForm, readSignedForm } from '../csrf.js';
import type { WebDeps, WebEnv } from '../env.js';
import { MessagePage } from '../pages/message.js';
import { LoginPage, SetupPage } from '../pages/sign-in.js';
import { claimSetupToken, hasAnyUser, isSetupTokenValid, releaseSetupToken, retireSetupTokens } from '../setup-tokens.js';
import { clearSessionCookie, sessionToken, setSessionCookie, userContext } from '../session-cookie.js';

const WRONG_CREDENTIALS = 'The e-mail address or the password is not right.';

// Unknown addresses cost the same scrypt work as known ones, so timing does not tell them apart.
let decoyHash: Promise<string> | undefined;
const decoy = () => (decoyHash ??= hashPassword('not the password of anyone'));

export function registerSignIn(app: Hono<WebEnv>, deps: WebDeps): void {
  const { db, logger, sessions, throttle } = deps;

  const signIn = async (c: Context<WebEnv>, user: { id: string; account_id: string; email: string }, via: 'password' | 'setup') => {
    await sessions.end(sessionToken(c));
    const token = await sessions.create(user, { ip: clientAddress(c, deps.trustProxy), userAgent: c.req.header('user-agent') });
    await appendAuditEvent(db, { accountId: user.account_id, type: 'user.login', context: userContext(c, deps, user.id), data: { email: user.email, via } });
    setSessionCookie(c, deps, token);
    return c.redirect('/app/api-keys', 303);
  };

  app.get('/app/login', async (c) => {
    if (await sessions.resolve(sessionToken(c))) return c.redirect('/app/api-keys', 303);
    const info = c.req.query('signed_out') !== undefined ? 'You are signed out.' : (await hasAnyUser(db)) ? undefined : 'lfk has no account yet: open the setup link that lfk serve printed.';
    return c.html(<LoginPage csrfToken={preSessionToken(c, deps.secure)} info={info} />);
  });

  app.post('/app/login', async (c) => {
    assertFromThisSite(c, deps.publicOrigin);
    const form = await readForm(c);
    assertPreSessionToken(c, form);
    const csrfToken = preSessionToken(c, deps.secure);
    const email = (form.get('email') ?? '').trim().toLowerCase();
    const password = form.get('password') ?? '';
    const again = (status: 400 | 401 | 429, error: string) => c.html(<LoginPage csrfToken={csrfToken} email={email.slice(0, MAX_EMAIL_LENGTH)} error={error} />, status);
    if (!email || !password) return again(400, 'Enter your e-mail address and password.');
    if (email.length > MAX_EMAIL_LENGTH || password.length > MAX_PASSWORD_LENGTH) return again(400, WRONG_CREDENTIALS);

    const address = clientAddress(c, deps.trustProxy);
    const user = await db.selectFrom('users').select(['id', 'account_id', 'email', 'password_hash']).where('email', '=', email).executeTakeFirst();
    const failed = (reason: 'wrong_password' | 'locked' | 'busy') =>
      user
        ? appendAuditEvent(db, { accountId: user.account_id, type: 'user.login_failed', context: userContext(c, deps, user.id), data: { email, reason } })
        : Promise.resolve(logger.info('sign-in failed for an unknown address', { reason, ip: address }));

    // Counted before the password is checked: a burst sent at once gets no more checks than the limits.
    const admission = await throttle.admit(email, address);
    if (admission.kind !== 'check') {
      await failed(admission.kind);
      c.header('Retry-After', String(Math.ceil(admission.retryMs / 1000)));
      if (admission.kind === 'busy') return again(429, 'Many sign-in attempts are being checked right now. Try again in a few seconds.');
      const minutes = Math.ceil(admission.retryMs / 60_000);
      return again(429, `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
    }
    if (admission.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, admission.waitMs));
    const matches = await verifyPassword(password, user?.password_hash ?? (await decoy()));
    if (!user || !matches) {
      await admission.attempt.failed();
      await failed('wrong_password');
      return again(401, WRONG_CREDENTIALS);
    }
    await admission.attempt.succeeded();
    return signIn(c, user, 'password');
  });

  app.post('/app/logout', async (c) => {
    const token = sessionToken(c);
    const session = await sessions.resolve(token);
    if (session) {
      await readSignedForm(c, deps.publicOrigin, session.csrfToken);
      await sessions.end(token);
    }
    clearSessionCookie(c, deps);
    return c.redirect('/app/login?signed_out', 303);
  });

  const deadLink = async (c: Context<WebEnv>) => {
    const setUp = await hasAnyUser(db);
    return c.html(
      <MessagePage
        title={setUp ? 'Already set up' : 'Setup link not valid'}
        message={setUp ? 'lfk already has an account, so this setup link no longer works.' : 'This setup link is not valid. Use the link that lfk serve printed.'}
        link={setUp ? { href: '/app/login', text: 'Sign in' } : undefined}
      />,
      404,
    );
  };

  app.get('/app/setup', async (c) => {
    const token = c.req.query('token');
    if (!(await isSetupTokenValid(db, token))) return deadLink(c);
    return c.html(<SetupPage csrfToken={preSessionToken(c, deps.secure)} token={token!} />);
  });

  app.post('/app/setup', async (c) => {
    assertFromThisSite(c, deps.publicOrigin);
    const form = await readForm(c);
    assertPreSessionToken(c, form);
    const token = form.get('token') ?? '';
    const values = { account_name: form.get('account_name') ?? '', plan: form.get('plan') ?? '', email: form.get('email') ?? '' };
    const password = form.get('password') ?? '';
    const again = (error: string) => c.html(<SetupPage csrfToken={preSessionToken(c, deps.secure)} token={token} values={values} error={error} />, 400);
    if (!(await claimSetupToken(db, token))) return deadLink(c);
    try {
      if (!PLANS.includes(values.plan as Plan)) throw new ApiError('invalid_request', `The plan must be one of ${PLANS.join(', ')}.`);
      const created = await deps.service.createAccount({ name: values.account_name, plan: values.plan as Plan, email: values.email, password });
      await retireSetupTokens(db);
      logger.info('first account set up', { account_id: created.account.id, user_id: created.user.id });
      return signIn(c, { id: created.user.id, account_id: created.account.id, email: created.user.email }, 'setup');
    } catch (error) {
      await releaseSetupToken(db, token);
      if (error instanceof ApiError && (error.code === 'invalid_request' || error.code === 'conflict')) return again(error.message);
      throw error;
    }
  });
}
