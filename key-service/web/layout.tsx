// The frame of every page: head, navigation, sign-out, and the shared bits of markup.
import { raw } from 'hono/html';
import type { Child, FC } from 'hono/jsx';
import { SCRIPT_URL, STYLE_URL } from './assets.js';
import { CSRF_FIELD } from './csrf.js';

export interface Viewer {
  email: string;
  accountName: string;
  csrfToken: string;
}

export type Section = 'keys' | 'audit' | 'settings';

export const Layout: FC<{ title: string; viewer?: Viewer | undefined; section?: Section; children?: Child }> = ({
  title,
  viewer,
  section,
  children,
}) => (
  <>
    {raw('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${title} · lfk`}</title>
        <link rel="stylesheet" href={STYLE_URL} />
        <script src={SCRIPT_URL} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <span class="brand">lfk</span>
          {viewer && (
            <nav aria-label="Main">
              <a href="/app/api-keys" aria-current={section === 'keys' ? 'page' : undefined}>
                API Keys
              </a>
              <a href="/app/audit-log" aria-current={section === 'audit' ? 'page' : undefined}>
                Audit log
              </a>
              <a href="/app/settings" aria-current={section === 'settings' ? 'page' : undefined}>
                Settings
              </a>
            </nav>
          )}
          {viewer && (
            <div class="who">
              <span>
                {viewer.email} · {viewer.accountName}
              </span>
              <form method="post" action="/app/logout">
                <CsrfField token={viewer.csrfToken} />
                <button type="submit" class="link-button">
                  Sign out
                </button>
              </form>
            </div>
          )}
        </header>
        <main id="main">{children}</main>
      </body>
    </html>
  </>
);

export const CsrfField: FC<{ token: string }> = ({ token }) => <input type="hidden" name={CSRF_FIELD} value={token} />;

export const Notice: FC<{ kind?: 'error' | 'info'; children?: Child }> = ({ kind = 'info', children }) => (
  <div class={kind === 'error' ? 'notice error' : 'notice'} role={kind === 'error' ? 'alert' : 'status'}>
    {children}
  </div>
);

/**
 * A form field: its label, the control (children, with its error message if any) and the hint
 * under it, `<id>-hint` unless `hintId` says otherwise (the control names it in aria-describedby).
 */
export const Field: FC<{ id: string; label: string; hint?: Child; hintId?: string; children?: Child }> = ({
  id,
  label,
  hint,
  hintId = `${id}-hint`,
  children,
}) => (
  <div class="field">
    <label for={id}>{label}</label>
    {children}
    {hint && (
      <p class="hint" id={hintId}>
        {hint}
      </p>
    )}
  </div>
);

/** `2026-11-27 07:11 UTC` inside a machine-readable <time>. */
export const When: FC<{ at: string | null; empty?: string }> = ({ at, empty = 'Never' }) =>
  at ? <time datetime={at}>{`${at.slice(0, 10)} ${at.slice(11, 16)} UTC`}</time> : <span>{empty}</span>;

/**
 * A key or secret shown once, with Copy. `data-secret`: the page script removes the whole dialog
 * when it closes or the page is left, and puts `closeUrl` in history in place of the POST.
 */
export const SecretDialog: FC<{
  id: string;
  title: string;
  warning: string;
  secretId: string;
  value: string;
  closeUrl: string;
  returnFocus?: string;
  children?: Child;
}> = (props) => (
  <dialog
    id={props.id}
    aria-labelledby={`${props.id}-title`}
    aria-describedby={`${props.id}-warning`}
    open
    data-secret
    data-close-url={props.closeUrl}
    data-return-focus={props.returnFocus}
  >
    <h2 id={`${props.id}-title`}>{props.title}</h2>
    <p id={`${props.id}-warning`} class="warning">
      {props.warning}
    </p>
    <code class="secret" id={props.secretId}>
      {props.value}
    </code>
    <p class="actions">
      <button type="button" data-copy={props.secretId} data-copy-status={`${props.secretId}-copy-status`}>
        Copy
      </button>
      <span id={`${props.secretId}-copy-status`} role="status" aria-live="polite"></span>
    </p>
    {props.children}
    <div class="actions">
      <a href={props.closeUrl} class="button primary" data-close>
        Done
      </a>
    </div>
  </dialog>
);

/** The header row of a table that stacks into cards at phone width. */
export const HeaderRow: FC<{ labels: string[] }> = ({ labels }) => (
  <thead>
    <tr>
      {labels.map((label) => (
        <th scope="col">{label === '' ? <span class="visually-hidden">Actions</span> : label}</th>
      ))}
    </tr>
  </thead>
);
