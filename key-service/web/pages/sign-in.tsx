// The sign-in page and the one-time setup page of an empty installation.
import type { FC } from 'hono/jsx';
import {
  MAX_ACCOUNT_NAME_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from '../../../platform/limits/fields.js';
import { KEY_PLANS, PLANS, isOneOf, type Plan } from '../../../platform/vocabulary.js';
import { CsrfField, Layout, Notice } from '../layout.js';

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
        <div class="field">
          <label for="email">E-mail address</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="username"
            required
            maxlength={MAX_EMAIL_LENGTH}
            value={email ?? ''}
            autofocus
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            maxlength={MAX_PASSWORD_LENGTH}
          />
        </div>
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
        <div class="field">
          <label for="account_name">Account name</label>
          <input
            id="account_name"
            name="account_name"
            type="text"
            required
            maxlength={MAX_ACCOUNT_NAME_LENGTH}
            value={values.account_name ?? ''}
            autofocus
          />
        </div>
        <div class="field">
          <label for="plan">Plan</label>
          <select id="plan" name="plan" aria-describedby="plan-hint">
            {PLAN_CHOICES.map((plan) => (
              <option value={plan} selected={(values.plan ?? PLAN_CHOICES[0]) === plan}>
                {PLAN_NAMES[plan]}
              </option>
            ))}
          </select>
          <p class="hint" id="plan-hint">
            API keys come with the Pro and Agency plans.
          </p>
        </div>
        <div class="field">
          <label for="email">Owner's e-mail address</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="username"
            required
            maxlength={MAX_EMAIL_LENGTH}
            value={values.email ?? ''}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength={MIN_PASSWORD_LENGTH}
            maxlength={MAX_PASSWORD_LENGTH}
            aria-describedby="password-hint"
          />
          <p class="hint" id="password-hint">
            At least {MIN_PASSWORD_LENGTH} characters.
          </p>
        </div>
        <button type="submit" class="primary">
          Create account
        </button>
      </form>
    </div>
  </Layout>
);
