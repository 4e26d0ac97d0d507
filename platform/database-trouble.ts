// What a driver's error says about the database: unreachable or overloaded, or out of space, as
// opposed to a bug. Kept outside platform/database/ so that the API's and the web page's error
// answers classify errors without depending on the database layer.

/** True for errors that mean "the database is unreachable or overloaded", as opposed to a bug. */
export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|EPIPE|EAI_AGAIN)$/.test(code)) return true;
    if (/^(08|53|57P)/.test(code)) return true; // PostgreSQL connection, resource and shutdown classes
    if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY)/.test(code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|database did not answer|driver has already been destroyed|Client has encountered a connection error/i.test(
    error.message,
  );
}

/** True when a write failed for want of space: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100). */
export function isDatabaseFull(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return code === 'SQLITE_FULL' || code === '53100';
}

/**
 * A database that is down or full, as the API and the web page answer it: 503 with how long to
 * wait (a full disk needs an operator, so longer, and logged as an error). Undefined otherwise.
 */
export function databaseTrouble(error: unknown): { full: boolean; retryAfter: string } | undefined {
  if (isDatabaseFull(error)) return { full: true, retryAfter: '60' };
  if (isUnavailableError(error)) return { full: false, retryAfter: '5' };
  return undefined;
}
