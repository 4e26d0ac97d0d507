// In-process requests to the page with a cookie jar, as a browser would send them: the API app
// composed with the web app exactly as `lfk serve` does.
import { createApiApp } from '../../key-service/http/app.js';
import { createLogger } from '../../platform/logger.js';
import type { KeyServiceOptions } from '../../key-service/service/key-service.js';
import type { Dialect } from '../../platform/database/database.js';
import { createWebApp, type WebApp } from '../../key-service/web/app.js';
import type { WebOptions } from '../../key-service/web/env.js';
import { createHarness, type Harness } from '../support/harness.js';
import { captureErrorAnswers } from '../support/leak-capture.js';

export const PASSWORD = 'correct horse battery';

export interface WebHarness extends Harness {
  web: WebApp;
  site: ReturnType<typeof createApiApp>;
}

export async function createWebHarness(
  dialect: Dialect,
  options: Partial<WebOptions> = {},
  service: KeyServiceOptions = {},
): Promise<WebHarness> {
  const harness = await createHarness(dialect, { service });
  const logger = createLogger('debug', (line) => harness.logs.push(line));
  const web = createWebApp({ service: harness.service, logger, publicUrl: 'http://127.0.0.1:8080', ...options });
  const site = captureErrorAnswers(createApiApp({ service: harness.service, logger, sessions: web.sessions }));
  site.route('/', web.app);
  return Object.assign(harness, { web, site });
}

export interface PageResponse {
  status: number;
  headers: Headers;
  text: string;
}

export class WebClient {
  readonly cookies = new Map<string, string>();

  constructor(private readonly h: Pick<WebHarness, 'site'>) {}

  async request(
    method: string,
    path: string,
    options: { form?: Record<string, string> | string; headers?: Record<string, string> } = {},
  ): Promise<PageResponse> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | undefined;
    if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = typeof options.form === 'string' ? options.form : new URLSearchParams(options.form).toString();
    }
    Object.assign(headers, options.headers);
    const response = await this.h.site.request(path, {
      method,
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, headers ? { headers } : {});
  }

  post(path: string, form: Record<string, string> | string, headers?: Record<string, string>) {
    return this.request('POST', path, { form, ...(headers ? { headers } : {}) });
  }

  /** The CSRF token of the first form on a page. */
  static csrf(html: string): string {
    const match = /name="csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error(`no CSRF field in:\n${html.slice(0, 500)}`);
    return match[1]!;
  }

  /** Signs in through the login form; returns the session's CSRF token. */
  async signIn(email: string, password = PASSWORD): Promise<string> {
    const login = await this.get('/app/login');
    const response = await this.post('/app/login', { csrf: WebClient.csrf(login.text), email, password });
    if (response.status !== 303) throw new Error(`sign-in answered ${response.status}: ${response.text.slice(0, 300)}`);
    return WebClient.csrf((await this.get('/app/api-keys')).text);
  }
}
