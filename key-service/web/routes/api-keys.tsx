// /app/api-keys: list, search, create (shown once), revoke and roll.
import type { Context, Hono } from 'hono';
import { ApiError } from '../../../platform/errors.js';
import { redactKeys } from '../../../platform/key-format.js';
import { DEFAULT_GRACE_HOURS, MAX_KEY_NAME_LENGTH } from '../../../platform/limits/fields.js';
import { KEY_STATUSES, isOneOf } from '../../../platform/vocabulary.js';
import type { CreatedKey, KeyObject } from '../../service/types.js';
import { readSignedForm } from '../csrf.js';
import type { WebDeps, WebEnv } from '../env.js';
import { GRACE_CHOICES, KeysPage, withParams, type KeysDialog } from '../pages/api-keys.js';
import { requireSession, userContext, viewerOf } from '../session-cookie.js';

export function registerApiKeys(app: Hono<WebEnv>, deps: WebDeps): void {
  const { service } = deps;
  const signedIn = requireSession(deps);

  /** The list page, filtered as the query says, with whatever dialog or message goes on top. */
  const render = async (
    c: Context<WebEnv>,
    extra: { dialog?: KeysDialog; flash?: string; error?: string; status?: 200 | 400 | 403 | 404 | 409 } = {},
    filter: { q: string; status: string; cursor?: string | undefined } = { q: '', status: '' },
  ) => {
    const accountId = c.get('session').accountId;
    const keys = await service.listKeys(accountId, {
      q: filter.q || undefined,
      status: isOneOf(KEY_STATUSES, filter.status) ? filter.status : undefined,
      cursor: filter.cursor,
      limit: 50,
    });
    const listUrl = withParams('/app/api-keys', { q: filter.q, status: filter.status });
    return c.html(
      <KeysPage
        viewer={viewerOf(c)}
        account={c.get('account')}
        keys={keys}
        q={filter.q}
        status={filter.status}
        listUrl={listUrl}
        dialog={extra.dialog}
        flash={extra.flash}
        error={extra.error}
      />,
      extra.status ?? 200,
    );
  };

  const postedForm = (c: Context<WebEnv>) => readSignedForm(c, deps.publicOrigin, c.get('session').csrfToken);

  app.get('/app/api-keys', signedIn, async (c) => {
    const q = (c.req.query('q') ?? '').replace(/\0/g, '').trim().slice(0, MAX_KEY_NAME_LENGTH);
    const status = isOneOf(KEY_STATUSES, c.req.query('status')) ? c.req.query('status')! : '';
    const accountId = c.get('session').accountId;
    const extra: { dialog?: KeysDialog; flash?: string; error?: string } = {};
    const dialog = c.req.query('dialog');
    const keyId = c.req.query('key');
    if (dialog === 'create') extra.dialog = { kind: 'create' };
    if ((dialog === 'revoke' || dialog === 'roll') && keyId) {
      const key = await service.getKey(accountId, keyId);
      if (key.status === 'active') extra.dialog = { kind: dialog, key };
      else extra.error = `“${key.name}” is ${key.status}: there is nothing to ${dialog}.`;
    }
    const revoked = c.req.query('revoked');
    if (revoked) {
      const key = await service.getKey(accountId, revoked);
      extra.flash = `“${key.name}” (${key.display}) is revoked. Every request made with it is refused from now on.`;
    }
    return render(c, extra, { q, status, cursor: c.req.query('cursor') });
  });

  app.post('/app/api-keys', signedIn, async (c) => {
    const form = await postedForm(c);
    const name = (form.get('name') ?? '').trim();
    if (!name) return render(c, { dialog: { kind: 'create', error: 'Give the key a name.' }, status: 400 });
    let created: CreatedKey;
    try {
      created = await service.createKey(c.get('session').accountId, { name }, userContext(c, deps));
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid_request') {
        // What was typed comes back in the form, except a pasted key: the page never shows one it was not creating.
        return render(c, {
          dialog: { kind: 'create', name: redactKeys(name.slice(0, MAX_KEY_NAME_LENGTH)), error: error.message },
          status: 400,
        });
      }
      if (error instanceof ApiError && error.code === 'plan_required')
        return render(c, { error: error.message, status: 403 });
      throw error;
    }
    return render(c, { dialog: { kind: 'created', key: created } });
  });

  app.post('/app/api-keys/:id/revoke', signedIn, async (c) => {
    const form = await postedForm(c);
    const note = (form.get('note') ?? '').trim();
    const key = await service.revokeKey(
      c.get('session').accountId,
      c.req.param('id'),
      note || undefined,
      userContext(c, deps),
    );
    return c.redirect(withParams('/app/api-keys', { revoked: key.id }), 303);
  });

  app.post('/app/api-keys/:id/roll', signedIn, async (c) => {
    const form = await postedForm(c);
    const accountId = c.get('session').accountId;
    const graceField = form.get('grace_period_hours') ?? String(DEFAULT_GRACE_HOURS);
    const grace = /^\d{1,3}$/.test(graceField) ? Number(graceField) : Number.NaN;
    const keyId = c.req.param('id');
    if (!GRACE_CHOICES.some(([hours]) => hours === grace)) {
      const key = await service.getKey(accountId, keyId);
      return render(c, {
        dialog: { kind: 'roll', key, error: 'Choose one of the grace periods offered.' },
        status: 400,
      });
    }
    let created: CreatedKey;
    try {
      created = await service.rollKey(accountId, keyId, grace, userContext(c, deps));
    } catch (error) {
      if (error instanceof ApiError && error.code === 'key_revoked')
        return render(c, { error: error.message, status: 409 });
      throw error;
    }
    const replaced: KeyObject = await service.getKey(accountId, keyId);
    return render(c, { dialog: { kind: 'created', key: created, replaced } });
  });
}
