// GitHub's secret scanning partner program and GitLab's partner program for leaked-credential
// notifications sign each batch the same way: ECDSA with SHA-256 over the raw body
// (docs/reference/github.md §1.3, docs/reference/gitlab.md §1). `<Issuer>-Public-Key-Signature` is
// base64 DER, verified with the key whose `key_identifier` equals `<Issuer>-Public-Key-Identifier`.
// Keys come from the issuer's `{"public_keys": [{key_identifier, key}]}` list (GitHub's
// `{api}/meta/public_keys/secret_scanning`, GitLab's LFK_GITLAB_PUBLIC_KEYS_URL), cached and
// revalidated with their ETag; an unknown identifier fetches them again (key rotation), at most
// once per `refetchIntervalMs`. The receiver checks both headers' shape before it reads the body,
// then feeds the body to `partnerVerifier` chunk by chunk as it arrives.
import { createPublicKey, createVerify, type KeyObject, type Verify } from 'node:crypto';
import { DEFAULT_OUTBOUND_TIMEOUT_MS } from '../platform/outbound/timeouts.js';

export interface PartnerKeyCacheOptions {
  /** The issuer's name, for messages: "GitHub", "GitLab". */
  issuer: string;
  /** Where its public key list is. */
  url: string;
  fetch?: typeof fetch;
  /** Sent as `Authorization: Bearer` (GitHub's raises its rate limit; optional). */
  token?: string | undefined;
  /** An unknown identifier refetches at most this often (default 1 s; conditional, so a 304 is cheap). */
  refetchIntervalMs?: number;
  /** LFK_OUTBOUND_TIMEOUT_MS. */
  timeoutMs?: number;
}

export class PublicKeysUnavailable extends Error {
  override name = 'PublicKeysUnavailable';
}

export class PartnerKeyCache {
  private keys = new Map<string, KeyObject>();
  private etag: string | undefined;
  private fetchedAtMs = -Infinity;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: PartnerKeyCacheOptions) {}

  /** The key for an identifier, fetching the list again when it is not known yet; null if the issuer has no such key. */
  async keyFor(identifier: string): Promise<KeyObject | null> {
    const known = this.keys.get(identifier);
    if (known) return known;
    const interval = this.options.refetchIntervalMs ?? 1000;
    if (Date.now() - this.fetchedAtMs >= interval || this.keys.size === 0) await this.refresh();
    return this.keys.get(identifier) ?? null;
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async load(): Promise<void> {
    const { url, issuer } = this.options;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'lfk-webhook-server' };
    if (this.etag && this.keys.size > 0) headers['if-none-match'] = this.etag;
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS),
      });
    } catch (error) {
      throw new PublicKeysUnavailable(`${issuer}'s public keys cannot be fetched (${(error as Error).message})`);
    }
    this.fetchedAtMs = Date.now();
    if (response.status === 304) return;
    if (!response.ok) {
      await response.body?.cancel();
      throw new PublicKeysUnavailable(`${issuer} answered ${response.status} for its public keys`);
    }
    const body = (await response.json().catch(() => null)) as {
      public_keys?: Array<{ key_identifier?: unknown; key?: unknown }>;
    } | null;
    const keys = new Map<string, KeyObject>();
    for (const entry of body?.public_keys ?? []) {
      if (typeof entry.key_identifier !== 'string' || typeof entry.key !== 'string') continue;
      try {
        keys.set(entry.key_identifier, createPublicKey(entry.key));
      } catch {
        // One unreadable key must not stop the others from working.
      }
    }
    if (keys.size === 0) throw new PublicKeysUnavailable(`${issuer}'s public key list is empty or unreadable`);
    this.keys = keys;
    this.etag = response.headers.get('etag') ?? undefined;
  }
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// A DER ECDSA signature is a SEQUENCE of two INTEGERs: 8 bytes at the least, 72 for P-256, 139 for
// P-521; base64 of 200 characters leaves room for any curve GitHub may move to.
const MAX_SIGNATURE_CHARS = 200;
const MAX_IDENTIFIER_CHARS = 256;

/** True when the header can be a signature at all: base64 of a DER SEQUENCE, not too long. */
export function isPlausiblePartnerSignature(signature: string | undefined): signature is string {
  if (
    signature === undefined ||
    signature.length < 12 ||
    signature.length > MAX_SIGNATURE_CHARS ||
    !BASE64.test(signature)
  )
    return false;
  return Buffer.from(signature.slice(0, 4), 'base64')[0] === 0x30;
}

/** True when the header can be a key identifier (GitHub's are 64 hex digits, GitLab's 40): short, visible ASCII. */
export function isPlausibleKeyIdentifier(identifier: string | undefined): identifier is string {
  return (
    identifier !== undefined &&
    identifier.length > 0 &&
    identifier.length <= MAX_IDENTIFIER_CHARS &&
    /^[\x21-\x7e]+$/.test(identifier)
  );
}

/** The verifier to update with each chunk of the body. */
export function partnerVerifier(): Verify {
  return createVerify('sha256');
}

/** Finishes `verifier` (fed the whole body): true when `signature` (base64 DER) is its ECDSA/SHA-256 signature by `key`. */
export function matchesPartnerSignature(verifier: Verify, signature: string, key: KeyObject): boolean {
  if (!BASE64.test(signature)) return false;
  try {
    return verifier.verify(key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** True when `signature` (base64 DER) is the ECDSA P-256/SHA-256 signature of the raw body. */
export function verifyPartnerSignature(body: Buffer, signature: string, key: KeyObject): boolean {
  return matchesPartnerSignature(partnerVerifier().update(body), signature, key);
}
