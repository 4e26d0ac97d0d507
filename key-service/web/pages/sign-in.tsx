// The sign-in page and the one-time setup page of an empty installation.
import type { FC } from 'hono/jsx';
import {
  MAX_ACCOUNT_NAME_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from '../../../platform/limits/fields.js';
import { KEY_PLANS, PLANS, isOneOf, type Plan } from '../../../platform/vocabulary.js';
import { CsrfField, Field, Layout, Notice } from '../layout.js';

/** The user's e-mail address, which names them when they sign in. */
const EmailField: FC<{ label: string; value: string | undefined; autofocus?: boolean }> = ({
  label,
  value,
  autofocus,
}) => (
  <Field id="email" label={label}>
    <input
      id="email"
      name="email"
      type="email"
      autocomplete="username"
      required
      maxlength={MAX_EMAIL_LENGTH}
      value={value ?? ''}
      autofocus={autofocus}
    />
  </Field>
);

/** The password to sign in with, or (`isNew`) the one being chosen, which has a minimum length. */
const PasswordField: FC<{ isNew?: boolean }> = ({ isNew }) => (
  <Field id="password" label="Password" hint={isNew && <>At least {MIN_PASSWORD_LENGTH} characters.</>}>
    <input
      id="password"
      name="password"
      type="password"
      autocomplete={isNew ? 'new-password' : 'current-password'}
      required
      minlength={isNew ? MIN_PASSWORD_LENGTH : undefined}
      maxlength={MAX_PASSWORD_LENGTH}
      aria-describedby={isNew ? 'password-hint' : undefined}
    />
  </Field>
);

export const LoginPage: FC<{
  csrfToken: string;
  email?: string;
  error?: string | undefined;
  info?: string | undefined;
}> = ({ csrfToken, email, error, info }) => (
  <Layout title="Sign in">
    <div class="card">
      <h1>Sign in</h1>
      {info && <Notice>{info}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      <form method="post" action="/app/login">
        <CsrfField token={csrfToken} />
        <EmailField label="E-mail address" value={email} autofocus />
        <PasswordField />
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </div>
  </Layout>
);

/** The plans that come with API keys first: the first is chosen until the form says otherwise. */
const PLAN_CHOICES: readonly Plan[] = [...KEY_PLANS, ...PLANS.filter((plan) => !isOneOf(KEY_PLANS, plan))];
const PLAN_NAMES: Record<Plan, string> = { free: 'Free', pro: 'Pro', agency: 'Agency' };

export interface SetupValues {
  account_name?: string;
  plan?: string;
  email?: string;
}

export const SetupPage: FC<{ csrfToken: string; token: string; values?: SetupValues; error?: string | undefined }> = ({
  csrfToken,
  token,
  values = {},
  error,
}) => (
  <Layout title="Set up lfk">
    <div class="card">
      <h1>Set up lfk</h1>
      <p class="lead">Create the first account and its owner. This link works once.</p>
      {error && <Notice kind="error">{error}</Notice>}
      <form method="post" action="/app/setup">
        <CsrfField token={csrfToken} />
        <input type="hidden" name="token" value={token} />
        <Field id="account_name" label="Account name">
          <input
            id="account_name"
            name="account_name"
            type="text"
            required
            maxlength={MAX_ACCOUNT_NAME_LENGTH}
            value={values.account_name ?? ''}
            autofocus
          />
        </Field>
        <Field id="plan" label="Plan" hint="API keys come with the Pro and Agency plans.">
          <select id="plan" name="plan" aria-describedby="plan-hint">
            {PLAN_CHOICES.map((plan) => (
              <option value={plan} selected={(values.plan ?? PLAN_CHOICES[0]) === plan}>
                {PLAN_NAMES[plan]}
              </option>
            ))}
          </select>
        </Field>
        <EmailField label="Owner's e-mail address" value={values.email} />
        <PasswordField isNew />
        <button type="submit" class="primary">
          Create account
        </button>
      </form>
    </div>
  </Layout>
);
