// What the page's handlers find on the Hono context, and what they are built from.
import type { Logger } from '../../platform/logger.js';
import type { KeyService } from '../service/key-service.js';
import type { SignedIn } from '../service/sessions.js';
import type { SignIn } from '../service/sign-in.js';
import type { ThrottleLimits } from '../service/sign-in-throttle.js';
import type { AccountObject } from '../service/types.js';

export interface WebOptions {
  /** Also keeps the page's sessions and sign-in throttle (KeyService.createSignIn). */
  service: KeyService;
  logger: Logger;
  /** `LFK_PUBLIC_URL`: forms may be posted from this origin, and cookies are `Secure` when it is https. */
  publicUrl: string;
  /** Take the client address from `X-Forwarded-For` (behind a load balancer). */
  trustProxy?: boolean | undefined;
  /** Sign-in lock-outs; the defaults suit production. */
  throttle?: Partial<ThrottleLimits> | undefined;
  /** How long a session lasts without use, and at most (default 2 h and 12 h). */
  sessionIdleMs?: number | undefined;
  sessionMaxMs?: number | undefined;
  /** Largest accepted form in bytes (default 16 KiB). */
  maxFormBytes?: number | undefined;
}

/** What every handler of the page is built with. */
export interface WebDeps {
  service: KeyService;
  logger: Logger;
  signIn: SignIn;
  publicOrigin: string;
  /** Cookies carry `Secure` (LFK_PUBLIC_URL is https). */
  secure: boolean;
  trustProxy: boolean;
}

export interface WebVariables {
  /** The signed-in person and their account, on the routes behind `requireSession`. */
  session: SignedIn;
  account: AccountObject;
}

export interface WebEnv {
  Variables: WebVariables;
}
