// /app/api-keys: the key list, search, and the create, show-once, revoke and roll dialogs.
import type { Child, FC } from 'hono/jsx';
import { DEFAULT_GRACE_HOURS, MAX_KEY_NAME_LENGTH, MAX_NOTE_LENGTH } from '../../../platform/limits/fields.js';
import { KEY_PLANS, KEY_STATUSES, isOneOf } from '../../../platform/vocabulary.js';
import type { AccountObject, CreatedKey, KeyObject, KeyStatus, Page } from '../../service/types.js';
import { CsrfField, Field, HeaderRow, Layout, Notice, SecretDialog, When, type Viewer } from '../layout.js';

export const KEY_NAME_EXAMPLES = ['Production CRM sync', 'Staging environment', 'Zapier integration'];

export const GRACE_CHOICES: ReadonlyArray<[number, string]> = [
  [0, 'Stop the old key now'],
  [1, '1 hour'],
  [24, '24 hours'],
  [72, '3 days'],
  [168, '7 days'],
];

export type KeysDialog =
  | { kind: 'create'; name?: string; error?: string }
  | { kind: 'revoke'; key: KeyObject; error?: string }
  | { kind: 'roll'; key: KeyObject; error?: string }
  | { kind: 'created'; key: CreatedKey; replaced?: KeyObject };

export interface KeysPageProps {
  viewer: Viewer;
  account: AccountObject;
  keys: Page<KeyObject>;
  q: string;
  status: string;
  /** The list as it is filtered now: where closing a dialog returns to. */
  listUrl: string;
  dialog?: KeysDialog | undefined;
  flash?: string | undefined;
  error?: string | undefined;
}

export function canHoldKeys(account: AccountObject): boolean {
  return isOneOf(KEY_PLANS, account.plan);
}

const STATUS_LABEL: Record<KeyStatus, string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };

export const KeysPage: FC<KeysPageProps> = (props) => {
  const { viewer, account, keys, q, status, listUrl, dialog, flash, error } = props;
  const allowed = canHoldKeys(account);
  const filtered = q !== '' || status !== '';
  return (
    <Layout title="API Keys" viewer={viewer} section="keys">
      <h1>API Keys</h1>
      <p class="lead">
        Keys let your applications call the Trust Leads API. Give each key a name that says where it is used, and revoke
        it the moment it is not needed.
      </p>
      {flash && <Notice>{flash}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {!allowed && (
        <Notice>
          <strong>API keys come with the Pro and Agency plans.</strong> This account is on the Free plan, so it cannot
          create keys. Upgrade to Pro or Agency to use the Trust Leads API.
        </Notice>
      )}
      <div class="toolbar">
        {/* biome-ignore lint/a11y/useSemanticElements: a form with role=search is the landmark every browser supports; <search> is newer. */}
        <form method="get" action="/app/api-keys" role="search" class="search">
          <Field id="q" label="Search by name or prefix">
            <input
              id="q"
              name="q"
              type="search"
              value={q}
              maxlength={MAX_KEY_NAME_LENGTH}
              placeholder="Name or lfk_sk_a1b2"
            />
          </Field>
          <Field id="status" label="Status">
            <select id="status" name="status">
              <option value="" selected={status === ''}>
                All
              </option>
              {KEY_STATUSES.map((value) => (
                <option value={value} selected={status === value}>
                  {STATUS_LABEL[value]}
                </option>
              ))}
            </select>
          </Field>
          <div class="field">
            <button type="submit">Search</button>
          </div>
        </form>
        {allowed && (
          <a href="/app/api-keys?dialog=create" class="button primary" id="create-key" data-opens="create-dialog">
            Create New Key
          </a>
        )}
      </div>
      <KeyTable keys={keys.data} filtered={filtered} />
      {keys.next_cursor && (
        <nav class="pager" aria-label="Pages">
          <a href={withParams('/app/api-keys', { q, status, cursor: keys.next_cursor })}>Next page</a>
        </nav>
      )}
      {allowed && (
        <CreateDialog
          open={dialog?.kind === 'create'}
          listUrl={listUrl}
          csrfToken={viewer.csrfToken}
          {...(dialog?.kind === 'create' ? dialog : {})}
        />
      )}
      {dialog?.kind === 'created' && <CreatedDialog created={dialog.key} replaced={dialog.replaced} />}
      {dialog?.kind === 'revoke' && (
        <RevokeDialog keyObject={dialog.key} listUrl={listUrl} csrfToken={viewer.csrfToken} error={dialog.error} />
      )}
      {dialog?.kind === 'roll' && (
        <RollDialog keyObject={dialog.key} listUrl={listUrl} csrfToken={viewer.csrfToken} error={dialog.error} />
      )}
    </Layout>
  );
};

export function withParams(path: string, params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

const KeyTable: FC<{ keys: KeyObject[]; filtered: boolean }> = ({ keys, filtered }) => {
  if (keys.length === 0) return <p>{filtered ? 'No keys match this search.' : 'No keys yet.'}</p>;
  return (
    <table class="stack" id="keys">
      <caption class="visually-hidden">API keys, newest first</caption>
      <HeaderRow labels={['Name', 'Key', 'Created', 'Last used', 'Status', 'Rotation due', 'Expires', '']} />
      <tbody>
        {keys.map((key) => (
          <tr data-key-id={key.id}>
            <td data-label="Name">{key.name}</td>
            <td data-label="Key">
              <code>{key.display}</code>
            </td>
            <td data-label="Created">
              <When at={key.created_at} />
            </td>
            <td data-label="Last used">
              <When at={key.last_used_at} />
            </td>
            <td data-label="Status">
              <span class={`badge status-${key.status}`}>{STATUS_LABEL[key.status]}</span>
              {key.revoked_reason && <span class="details"> ({key.revoked_reason})</span>}
            </td>
            <td data-label="Rotation due">
              {key.status === 'active' ? (
                <span class={key.rotation_overdue ? 'overdue' : undefined}>
                  <When at={key.rotation_due_at} />
                  {key.rotation_overdue && ' (overdue)'}
                </span>
              ) : (
                <span>—</span>
              )}
            </td>
            <td data-label="Expires">
              <When at={key.expires_at} empty="No expiry" />
            </td>
            <td data-label="Actions">
              {key.status === 'active' && (
                <span class="actions">
                  <a
                    class="button"
                    href={withParams('/app/api-keys', { dialog: 'roll', key: key.id })}
                    aria-label={`Roll ${key.name}`}
                  >
                    Roll
                  </a>
                  <a
                    class="button"
                    href={withParams('/app/api-keys', { dialog: 'revoke', key: key.id })}
                    aria-label={`Revoke ${key.name}`}
                  >
                    Revoke
                  </a>
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

const CreateDialog: FC<{ open: boolean; listUrl: string; csrfToken: string; name?: string; error?: string }> = ({
  open,
  listUrl,
  csrfToken,
  name,
  error,
}) => (
  <dialog
    id="create-dialog"
    aria-labelledby="create-title"
    open={open}
    data-close-url={open ? listUrl : undefined}
    data-return-focus="create-key"
  >
    <h2 id="create-title">Create New Key</h2>
    <form method="post" action="/app/api-keys">
      <CsrfField token={csrfToken} />
      <Field
        id="key-name"
        label="Name"
        hint={
          <>
            A descriptive name says where the key is used, for example{' '}
            {KEY_NAME_EXAMPLES.map((example) => `“${example}”`).join(', ')}.
          </>
        }
      >
        <input
          id="key-name"
          name="name"
          type="text"
          required
          maxlength={MAX_KEY_NAME_LENGTH}
          autocomplete="off"
          value={name ?? ''}
          aria-describedby={error ? 'key-name-error key-name-hint' : 'key-name-hint'}
          aria-invalid={error ? 'true' : undefined}
          autofocus
        />
        {error && (
          <p class="field-error" id="key-name-error">
            {error}
          </p>
        )}
      </Field>
      <div class="actions">
        <button type="submit" class="primary">
          Create key
        </button>
        <a href={listUrl} class="button" data-close>
          Cancel
        </a>
      </div>
    </form>
  </dialog>
);

/** Shows a new key once; after it closes only the display form is left on the page. */
const CreatedDialog: FC<{ created: CreatedKey; replaced?: KeyObject | undefined }> = ({ created, replaced }) => (
  <SecretDialog
    id="key-dialog"
    title={replaced ? `Key “${created.name}” rolled` : `Your new key “${created.name}”`}
    warning="Copy this key now and keep it somewhere safe. It will not be shown again."
    secretId="new-key"
    value={created.key}
    closeUrl="/app/api-keys"
    returnFocus="create-key"
  >
    {replaced && (
      <p>
        {replaced.status === 'revoked' ? (
          <>The old key {replaced.display} is revoked.</>
        ) : (
          <>
            The old key {replaced.display} keeps working until <When at={replaced.expires_at} />.
          </>
        )}
      </p>
    )}
    <p class="hint">After you close this, the list shows the key only as {created.display}.</p>
  </SecretDialog>
);

/** A server-opened confirmation: a question, a form that posts the answer, and Cancel. */
const ConfirmDialog: FC<{
  id: string;
  title: string;
  action: string;
  submit: string;
  danger?: boolean;
  listUrl: string;
  csrfToken: string;
  error?: string | undefined;
  children?: Child;
}> = ({ id, title, action, submit, danger, listUrl, csrfToken, error, children }) => (
  <dialog id={id} aria-labelledby={`${id}-title`} open data-close-url={listUrl}>
    <h2 id={`${id}-title`}>{title}</h2>
    {error && <Notice kind="error">{error}</Notice>}
    <form method="post" action={action}>
      <CsrfField token={csrfToken} />
      {children}
      <div class="actions">
        <button type="submit" class={danger ? 'danger' : 'primary'}>
          {submit}
        </button>
        <a href={listUrl} class="button" data-close autofocus>
          Cancel
        </a>
      </div>
    </form>
  </dialog>
);

type ConfirmProps = { keyObject: KeyObject; listUrl: string; csrfToken: string; error?: string | undefined };

const RevokeDialog: FC<ConfirmProps> = ({ keyObject, ...rest }) => (
  <ConfirmDialog
    id="revoke-dialog"
    title={`Revoke “${keyObject.name}”?`}
    action={`/app/api-keys/${keyObject.id}/revoke`}
    submit="Revoke key"
    danger
    {...rest}
  >
    <p>
      Anything that uses <code>{keyObject.display}</code> stops working at once. A revoked key cannot be turned back on;
      it stays in the list as revoked.
    </p>
    <Field
      id="revoke-note"
      label="Note (optional)"
      hint="Kept in the audit log, for example “Leaked in a support ticket”."
    >
      <input
        id="revoke-note"
        name="note"
        type="text"
        maxlength={MAX_NOTE_LENGTH}
        autocomplete="off"
        aria-describedby="revoke-note-hint"
      />
    </Field>
  </ConfirmDialog>
);

const RollDialog: FC<ConfirmProps> = ({ keyObject, ...rest }) => (
  <ConfirmDialog
    id="roll-dialog"
    title={`Roll “${keyObject.name}”?`}
    action={`/app/api-keys/${keyObject.id}/roll`}
    submit="Roll key"
    {...rest}
  >
    <p>
      Rolling makes a new key with the same name and scopes. The new key is shown once. <code>{keyObject.display}</code>{' '}
      keeps working for the grace period, so you have time to put the new key in place.
    </p>
    <Field id="grace" label="Keep the old key working for">
      <select id="grace" name="grace_period_hours">
        {GRACE_CHOICES.map(([hours, label]) => (
          <option value={String(hours)} selected={hours === DEFAULT_GRACE_HOURS}>
            {label}
          </option>
        ))}
      </select>
    </Field>
  </ConfirmDialog>
);
