// /app/audit-log: the account's events, newest first, 50 a page.
import type { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../env.js';
import { AuditLogPage } from '../pages/audit-log.js';
import { requireSession, viewerOf } from '../session-cookie.js';

export function registerAuditLog(app: Hono<WebEnv>, deps: WebDeps): void {
  app.get('/app/audit-log', requireSession(deps), async (c) => {
    const cursor = c.req.query('cursor');
    const events = await deps.service.listAuditEvents(c.get('session').accountId, { limit: 50, cursor });
    return c.html(<AuditLogPage viewer={viewerOf(c)} events={events} first={!cursor} />);
  });
}
