// JSON lines on stderr. Callers pass display forms and ids, never a key. Logged fields can carry
// outside text (repository names, user agents, key names): JSON.stringify escapes C0 controls but
// leaves DEL, C1 controls, bidi controls and U+2028/U+2029 raw, so jsonLine escapes those as \u
// escapes too (the same set scanner/report/terminal-safe.ts escapes for text output).
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  level: LogLevel = DEFAULT_LOG_LEVEL,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const threshold = RANK[level] ?? RANK.info;
  const log =
    (at: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (RANK[at] < threshold) return;
      write(`${jsonLine({ time: new Date().toISOString(), level: at, msg: message, ...fields })}\n`);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** What JSON.stringify leaves raw that a terminal or log viewer would act on. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const UNSAFE_IN_JSON_ALL = new RegExp(UNSAFE_IN_JSON.source, 'g');

/** JSON.stringify, with the characters above as \uHHHH escapes: still valid JSON that parses back to the same value. */
export function jsonLine(value: unknown): string {
  const json = JSON.stringify(value);
  // Outside strings JSON is ASCII punctuation, digits and keywords: any such character is inside one.
  if (!UNSAFE_IN_JSON.test(json)) return json;
  return json.replace(UNSAFE_IN_JSON_ALL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  return { error: error.message, error_name: error.name, code: (error as { code?: unknown }).code };
}
