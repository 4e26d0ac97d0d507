// /app/settings: rotation period and notification URL, through the same service call as
// PATCH /v1/account; the notification secret is shown once, when a URL is first set.
import type { Hono } from 'hono';
import { ApiError } from '../../../platform/errors.js';
import { redactKeys } from '../../../platform/key-format.js';
import { MAX_ROTATION_DAYS, MAX_URL_LENGTH, MIN_ROTATION_DAYS } from '../../../platform/limits/fields.js';
import { PrivateNotificationUrlError, type AccountChanges } from '../../service/accounts.js';
import { readSignedForm } from '../csrf.js';
import type { WebDeps, WebEnv } from '../env.js';
import { SettingsPage } from '../pages/settings.js';
import { requireSession, userContext, viewerOf } from '../session-cookie.js';

function isWebAddress(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export function registerSettings(app: Hono<WebEnv>, deps: WebDeps): void {
  const signedIn = requireSession(deps);

  app.get('/app/settings', signedIn, (c) =>
    c.html(<SettingsPage viewer={viewerOf(c)} account={c.get('account')} saved={c.req.query('saved') !== undefined} />),
  );

  app.post('/app/settings', signedIn, async (c) => {
    const form = await readSignedForm(c, deps.publicOrigin, c.get('session').csrfToken);
    const account = c.get('account');
    const values = {
      rotation_period_days: (form.get('rotation_period_days') ?? '').trim(),
      notification_url: (form.get('notification_url') ?? '').trim(),
    };
    // The form comes back as typed, except a pasted key (redacted: the page never shows one).
    const shown = {
      rotation_period_days: values.rotation_period_days,
      notification_url: redactKeys(values.notification_url),
    };
    const refuse = (error: string) =>
      c.html(<SettingsPage viewer={viewerOf(c)} account={account} values={shown} error={error} />, 400);

    const days = Number(values.rotation_period_days);
    if (!/^\d+$/.test(values.rotation_period_days) || days < MIN_ROTATION_DAYS || days > MAX_ROTATION_DAYS) {
      return refuse(
        `The rotation period must be a whole number of days from ${MIN_ROTATION_DAYS} to ${MAX_ROTATION_DAYS}.`,
      );
    }
    const url = values.notification_url;
    if (url && (url.length > MAX_URL_LENGTH || url.includes('\0') || !isWebAddress(url))) {
      return refuse(
        `The notification URL must be an absolute http or https address of at most ${MAX_URL_LENGTH} characters.`,
      );
    }
    const changes: AccountChanges = {};
    if (days !== account.rotation_period_days) changes.rotation_period_days = days;
    if ((url || null) !== account.notification_url) changes.notification_url = url || null;
    if (Object.keys(changes).length === 0) return c.redirect('/app/settings?saved', 303);
    let updated;
    try {
      updated = await deps.service.updateAccount(account.id, changes, userContext(c, deps));
    } catch (error) {
      if (error instanceof PrivateNotificationUrlError)
        return refuse(`The notification URL must be reachable from the internet: ${error.reason}.`);
      if (error instanceof ApiError && error.code === 'invalid_request') return refuse(error.message);
      throw error;
    }
    if (!updated.notification_secret) return c.redirect('/app/settings?saved', 303);
    return c.html(<SettingsPage viewer={viewerOf(c)} account={updated} saved secret={updated.notification_secret} />);
  });
}
