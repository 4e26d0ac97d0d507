// Cursor paging over time-ordered ids: the cursor is the last id of the page, opaque to clients.
import { ApiError } from '../../platform/errors.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{2,4}_[0-9A-Za-z]{22}$/.test(id))
    throw new ApiError('invalid_request', 'The cursor is not one this API returned.');
  return id;
}

/** Given `limit + 1` rows, the page and the cursor to the next one. */
export function toPage<Row extends { id: string }, T>(
  rows: Row[],
  limit: number,
  map: (row: Row) => T,
): { data: T[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), next_cursor: more && last ? encodeCursor(last.id) : null };
}
