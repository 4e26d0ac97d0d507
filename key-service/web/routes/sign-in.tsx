// /app/login, /app/logout and /app/setup: who may use the page.
import type { Context, Hono } from 'hono';
import { ApiError } from '../../../platform/errors.js';
import { clientAddress } from '../../../platform/http/client-address.js';
import { MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH } from '../../../platform/limits/fields.js';
import type { SignInClient } from '../../service/sign-in.js';
import type { Plan } from '../../service/types.js';
import { assertFromThisSite, assertPreSessionToken, preSessionToken, readForm, readSignedForm } from '../csrf.js';
import type { WebDeps, WebEnv } from '../env.js';
import { MessagePage } from '../pages/message.js';
import { LoginPage, SetupPage } from '../pages/sign-in.js';
import { clearSessionCookie, sessionToken, setSessionCookie } from '../session-cookie.js';

const WRONG_CREDENTIALS = 'The e-mail address or the password is not right.';

export function registerSignIn(app: Hono<WebEnv>, deps: WebDeps): void {
  const { logger, signIn } = deps;
  const clientOf = (c: Context<WebEnv>): SignInClient => ({
    ip: clientAddress(c, deps.trustProxy),
    userAgent: c.req.header('user-agent'),
  });
  const signedIn = (c: Context<WebEnv>, token: string) => {
    setSessionCookie(c, deps, token);
    return c.redirect('/app/api-keys', 303);
  };

  app.get('/app/login', async (c) => {
    if (await signIn.session(sessionToken(c))) return c.redirect('/app/api-keys', 303);
    const info =
      c.req.query('signed_out') !== undefined
        ? 'You are signed out.'
        : (await signIn.hasAnyUser())
          ? undefined
          : 'lfk has no account yet: open the setup link that lfk serve printed.';
    return c.html(<LoginPage csrfToken={preSessionToken(c, deps.secure)} info={info} />);
  });

  app.post('/app/login', async (c) => {
    assertFromThisSite(c, deps.publicOrigin);
    const form = await readForm(c);
    assertPreSessionToken(c, form);
    const csrfToken = preSessionToken(c, deps.secure);
    const email = (form.get('email') ?? '').trim().toLowerCase();
    const password = form.get('password') ?? '';
    const again = (status: 400 | 401 | 429, error: string) =>
      c.html(<LoginPage csrfToken={csrfToken} email={email.slice(0, MAX_EMAIL_LENGTH)} error={error} />, status);
    if (!email || !password) return again(400, 'Enter your e-mail address and password.');
    if (email.length > MAX_EMAIL_LENGTH || password.length > MAX_PASSWORD_LENGTH) return again(400, WRONG_CREDENTIALS);

    const client = clientOf(c);
    const outcome = await signIn.withPassword(email, password, client, sessionToken(c));
    if (outcome.kind === 'signed_in') return signedIn(c, outcome.token);
    // A known address's failures are in its account's audit log; an unknown one has no account.
    if (!outcome.knownUser)
      logger.info('sign-in failed for an unknown address', { reason: outcome.kind, ip: client.ip });
    if (outcome.kind === 'wrong_password') return again(401, WRONG_CREDENTIALS);
    c.header('Retry-After', String(Math.ceil(outcome.retryMs / 1000)));
    if (outcome.kind === 'busy')
      return again(429, 'Many sign-in attempts are being checked right now. Try again in a few seconds.');
    const minutes = Math.ceil(outcome.retryMs / 60_000);
    return again(429, `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
  });

  app.post('/app/logout', async (c) => {
    const token = sessionToken(c);
    const session = await signIn.session(token);
    if (session) {
      await readSignedForm(c, deps.publicOrigin, session.csrfToken);
      await signIn.signOut(token);
    }
    clearSessionCookie(c, deps);
    return c.redirect('/app/login?signed_out', 303);
  });

  const deadLink = async (c: Context<WebEnv>) => {
    const setUp = await signIn.hasAnyUser();
    return c.html(
      <MessagePage
        title={setUp ? 'Already set up' : 'Setup link not valid'}
        message={
          setUp
            ? 'lfk already has an account, so this setup link no longer works.'
            : 'This setup link is not valid. Use the link that lfk serve printed.'
        }
        link={setUp ? { href: '/app/login', text: 'Sign in' } : undefined}
      />,
      404,
    );
  };

  app.get('/app/setup', async (c) => {
    const token = c.req.query('token');
    if (!(await signIn.isSetupTokenValid(token))) return deadLink(c);
    return c.html(<SetupPage csrfToken={preSessionToken(c, deps.secure)} token={token!} />);
  });

  app.post('/app/setup', async (c) => {
    assertFromThisSite(c, deps.publicOrigin);
    const form = await readForm(c);
    assertPreSessionToken(c, form);
    const token = form.get('token') ?? '';
    const values = {
      account_name: form.get('account_name') ?? '',
      plan: form.get('plan') ?? '',
      email: form.get('email') ?? '',
    };
    const password = form.get('password') ?? '';
    const again = (error: string) =>
      c.html(
        <SetupPage csrfToken={preSessionToken(c, deps.secure)} token={token} values={values} error={error} />,
        400,
      );
    let setUp;
    try {
      setUp = await signIn.setUp(
        token,
        { name: values.account_name, plan: values.plan as Plan, email: values.email, password },
        clientOf(c),
        sessionToken(c),
      );
    } catch (error) {
      // The setup link was given back: the person may correct the form and send it again.
      if (error instanceof ApiError && (error.code === 'invalid_request' || error.code === 'conflict'))
        return again(error.message);
      throw error;
    }
    if (!setUp) return deadLink(c);
    logger.info('first account set up', { account_id: setUp.created.account.id, user_id: setUp.created.user.id });
    return signedIn(c, setUp.token);
  });
}
