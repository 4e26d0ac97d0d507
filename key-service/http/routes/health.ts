import type { ApiApp, ApiDeps } from '../env.js';
import { errorResponse } from '../../../platform/http/error-answer.js';

export function registerHealth(app: ApiApp, deps: ApiDeps): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      const { dialect } = await deps.service.checkDatabase(2000);
      return c.json({ status: 'ok', database: dialect });
    } catch {
      return errorResponse(c, 'service_unavailable', 'The database does not answer.', { 'Retry-After': '5' });
    }
  });
}
