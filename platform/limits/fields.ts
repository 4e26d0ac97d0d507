// The sizes and ranges of what people and programs give lfk, and the defaults of those fields,
// each stated once. The service checks them for every caller (the API, the command line, the web
// page); the API's schemas, the command line and the page's form fields use the same numbers for
// their own earlier messages, and the clients to stay within them.

/** A key's name (and the key list's search text, a name or a prefix). */
export const MAX_KEY_NAME_LENGTH = 100;
/** `expires_in_days`: ten years. */
export const MAX_EXPIRY_DAYS = 3650;
/** How long a rolled key's predecessor keeps working: `grace_period_hours`, at most 30 days. */
export const MAX_GRACE_HOURS = 720;
export const DEFAULT_GRACE_HOURS = 24;
/** A revocation's note, kept in the audit log. */
export const MAX_NOTE_LENGTH = 500;

/** An account's rotation period: a key is due for rotation this many days after it was created. */
export const MIN_ROTATION_DAYS = 30;
export const MAX_ROTATION_DAYS = 90;
export const DEFAULT_ROTATION_DAYS = 90;

export const MAX_ACCOUNT_NAME_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 320;
export const MIN_PASSWORD_LENGTH = 10;
/** Longer passwords are refused before any scrypt work, at set-up and at sign-in alike. */
export const MAX_PASSWORD_LENGTH = 1024;

/** A URL lfk stores or calls: a notification URL, a job's file, where an exposure was found. */
export const MAX_URL_LENGTH = 2048;
/** Where in a source an exposure was found (`file:line`, an alert's name). */
export const MAX_LOCATION_LENGTH = 1024;
/** Keys (or hashes) in one exposure report or verification: clients send more in several. */
export const MAX_KEYS_PER_REPORT = 1000;
