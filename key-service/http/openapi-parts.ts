// Small builders for route definitions, so each route file reads as its contract.
import type { z } from '@hono/zod-openapi';

export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
  return { content: { 'application/json': { schema } }, required };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

type SecurityRequirement = Record<string, string[]>;

export const KEY_SECURITY: SecurityRequirement[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
export const MANAGER_SECURITY: SecurityRequirement[] = [
  { bearerAuth: [] },
  { apiKeyHeader: [] },
  { sessionCookie: [] },
];
