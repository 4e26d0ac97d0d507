// The API Keys web page (README.md#the-api-keys-page): its table of contents, and the session
// resolver that lets the /v1 management routes accept a signed-in person.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError, type ErrorCode } from '../../platform/errors.js';
import type { SessionResolver } from '../http/auth.js';
import { clientAddress } from '../../platform/http/client-address.js';
import { errorFields } from '../../platform/logger.js';
import { redactKeys } from '../../platform/key-format.js';
import { databaseTrouble } from '../../platform/database-trouble.js';
import { APP_SCRIPT, APP_STYLE, SCRIPT_PATH, STYLE_PATH } from './assets.js';
import { fromThisSite } from './csrf.js';
import type { WebDeps, WebEnv, WebOptions } from './env.js';
import { MessagePage } from './pages/message.js';
import { registerApiKeys } from './routes/api-keys.js';
import { registerAuditLog } from './routes/audit-log.js';
import { registerSettings } from './routes/settings.js';
import { registerSignIn } from './routes/sign-in.js';
import { securityHeaders } from './security-headers.js';
import { sessionToken } from './session-cookie.js';

export const DEFAULT_MAX_FORM_BYTES = 16 * 1024;

export interface WebApp {
  app: Hono<WebEnv>;
  /** For `createApiApp({ sessions })`: the /v1 management routes accept a signed-in person. */
  sessions: SessionResolver;
  /** A one-time setup link token when the database has no user yet, else null. */
  issueSetupToken(): Promise<string | null>;
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  csrf_failed: 'Form refused',
  not_found: 'Not found',
  payload_too_large: 'Form too large',
  unsupported_media_type: 'Form not understood',
  invalid_request: 'Not accepted',
  plan_required: 'Plan required',
  key_revoked: 'Key revoked',
  conflict: 'Conflict',
};

export function createWebApp(options: WebOptions): WebApp {
  const { service, logger } = options;
  const signIn = service.createSignIn({
    session: { idleMs: options.sessionIdleMs, maxMs: options.sessionMaxMs },
    throttle: options.throttle,
  });
  const deps: WebDeps = {
    service,
    logger,
    signIn,
    publicOrigin: new URL(options.publicUrl).origin,
    secure: options.publicUrl.startsWith('https:'),
    trustProxy: options.trustProxy ?? false,
  };

  const app = new Hono<WebEnv>();
  const page = (c: Context, status: ContentfulStatusCode, title: string, message: string) =>
    c.html(
      <MessagePage title={title} message={message} link={{ href: '/app/api-keys', text: 'Back to API Keys' }} />,
      status,
    );

  app.use('/app/*', securityHeaders());
  app.use('/app', securityHeaders());
  const maxSize = options.maxFormBytes ?? DEFAULT_MAX_FORM_BYTES;
  const limit = bodyLimit({
    maxSize,
    onError: (c) => page(c, 413, 'Form too large', `A form may hold at most ${maxSize} bytes.`),
  });
  app.use('/app/*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next)));

  app.get('/', (c) => c.redirect('/app/api-keys', 302));
  app.get('/app', (c) => c.redirect('/app/api-keys', 302));
  app.get(SCRIPT_PATH, (c) => asset(c, APP_SCRIPT, 'text/javascript; charset=utf-8'));
  app.get(STYLE_PATH, (c) => asset(c, APP_STYLE, 'text/css; charset=utf-8'));

  registerSignIn(app, deps);
  registerApiKeys(app, deps);
  registerAuditLog(app, deps);
  registerSettings(app, deps);

  app.all('/app/*', (c) => page(c, 404, 'Not found', 'There is no page at this address.'));
  app.onError((error, c) => {
    if (error instanceof ApiError)
      return page(c, error.status as ContentfulStatusCode, TITLES[error.code] ?? 'Refused', error.message);
    if (error instanceof HTTPException)
      return page(
        c,
        error.status as ContentfulStatusCode,
        'Refused',
        error.message || 'The request was not understood.',
      );
    const trouble = databaseTrouble(error);
    if (trouble) {
      // The database is down or full: nothing was changed, and trying again later may work.
      (trouble.full ? logger.error : logger.warn)(trouble.full ? 'database full' : 'database unavailable', {
        path: redactKeys(c.req.path),
        ...errorFields(error),
      });
      c.header('Retry-After', trouble.retryAfter);
      const why = trouble.full ? 'The database is out of space' : 'The service cannot reach its database right now';
      return page(
        c,
        503,
        'Try again shortly',
        `${why}, so nothing was saved. Try again ${trouble.full ? 'later' : 'in a moment'}.`,
      );
    }
    logger.error('web page error', { path: redactKeys(c.req.path), ...errorFields(error) });
    return page(c, 500, 'Something went wrong', 'Something went wrong on our side. Try again in a moment.');
  });

  const sessions: SessionResolver = async (c) => {
    const session = await signIn.session(sessionToken(c));
    if (!session) return null;
    // A cookie rides along on any request a browser makes: a change through the API must come
    // from this site (browsers say where a request comes from; other clients hold no cookie).
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !fromThisSite(c, deps.publicOrigin)) {
      throw new ApiError('csrf_failed', 'A signed-in session may change things only from this site.');
    }
    return {
      accountId: session.accountId,
      context: {
        actor: { type: 'user', id: session.userId },
        ip: clientAddress(c, deps.trustProxy),
        userAgent: c.req.header('user-agent'),
      },
    };
  };

  return { app, sessions, issueSetupToken: () => signIn.issueSetupToken() };
}

function asset(c: Context, body: string, type: string): Response {
  // The URL carries a hash of the content (?v=…): a browser may keep it.
  c.header('Cache-Control', 'public, max-age=86400');
  c.header('Content-Type', type);
  return c.body(body);
}
