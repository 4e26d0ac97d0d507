// Reads the API key from `Authorization: Bearer` or `X-API-Key`
// (docs/key-service.md#authentication). Pure: headers in, a verdict out.

export type Credentials =
  | { kind: 'none' }
  | { kind: 'conflict' }
  | { kind: 'malformed' }
  | { kind: 'token'; token: string };

function bearerToken(authorization: string): string | null {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(authorization);
  if (!match || match[1]!.toLowerCase() !== 'bearer') return null;
  return match[2]!;
}

export function readCredentials(authorization: string | undefined, apiKeyHeader: string | undefined): Credentials {
  if (authorization === undefined && apiKeyHeader === undefined) return { kind: 'none' };
  const fromAuthorization = authorization === undefined ? undefined : bearerToken(authorization);
  const fromApiKey = apiKeyHeader?.trim();
  if (authorization !== undefined && apiKeyHeader !== undefined && fromAuthorization !== fromApiKey)
    return { kind: 'conflict' };
  const token = fromAuthorization ?? fromApiKey;
  if (!token) return { kind: 'malformed' };
  return { kind: 'token', token };
}
