// /app/settings: the rotation period and the notification URL (PATCH /v1/account's fields).
import type { FC } from 'hono/jsx';
import { MAX_ROTATION_DAYS, MAX_URL_LENGTH, MIN_ROTATION_DAYS } from '../../../platform/limits/fields.js';
import type { AccountObject } from '../../service/types.js';
import { CsrfField, Field, Layout, Notice, SecretDialog, type Viewer } from '../layout.js';

export interface SettingsValues {
  rotation_period_days: string;
  notification_url: string;
}

export const SettingsPage: FC<{
  viewer: Viewer;
  account: AccountObject;
  values?: SettingsValues | undefined;
  error?: string | undefined;
  saved?: boolean;
  secret?: string | undefined;
}> = ({ viewer, account, values, error, saved, secret }) => {
  const shown = values ?? {
    rotation_period_days: String(account.rotation_period_days),
    notification_url: account.notification_url ?? '',
  };
  return (
    <Layout title="Settings" viewer={viewer} section="settings">
      <h1>Settings</h1>
      <p class="lead">
        Account {account.name} · {account.plan} plan
      </p>
      {saved && <Notice>Settings saved.</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      <form method="post" action="/app/settings" class="card">
        <CsrfField token={viewer.csrfToken} />
        <Field
          id="rotation"
          label="Rotation period (days)"
          hint={
            <>
              From {MIN_ROTATION_DAYS} to {MAX_ROTATION_DAYS} days. A key is due for rotation this long after it was
              created.
            </>
          }
        >
          <input
            id="rotation"
            name="rotation_period_days"
            type="number"
            min={MIN_ROTATION_DAYS}
            max={MAX_ROTATION_DAYS}
            step={1}
            required
            value={shown.rotation_period_days}
            aria-describedby="rotation-hint"
          />
        </Field>
        <Field
          id="notification-url"
          label="Notification URL"
          hint="lfk POSTs a signed message here when a key is revoked because it leaked. Leave empty for none."
          hintId="notification-hint"
        >
          <input
            id="notification-url"
            name="notification_url"
            type="url"
            maxlength={MAX_URL_LENGTH}
            value={shown.notification_url}
            placeholder="https://example.com/hooks/lfk"
            aria-describedby="notification-hint"
          />
        </Field>
        <button type="submit" class="primary">
          Save settings
        </button>
      </form>
      {secret && (
        <SecretDialog
          id="secret-dialog"
          title="Notification signing secret"
          warning="Copy this secret now: it will not be shown again. Use it to check the Lfk-Signature header of each notification."
          secretId="notification-secret"
          value={secret}
          closeUrl="/app/settings"
        />
      )}
    </Layout>
  );
};
