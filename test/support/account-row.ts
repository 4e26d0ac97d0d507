// A bare `accounts` row (no owner, no notices), for tests that write the table directly.
import { newId } from '../../platform/ids.js';

export function accountRow(name: string) {
  return {
    id: newId('acct'),
    name,
    plan: 'pro' as const,
    rotation_period_days: 90,
    notification_url: null,
    notification_secret: null,
    created_at: new Date().toISOString(),
  };
}
