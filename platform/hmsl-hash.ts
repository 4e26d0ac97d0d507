// GitGuardian's HasMySecretLeaked hash (docs/reference/gitguardian.md §2.2), stored so that an
// incident's `hmsl_hash` maps back to our key without GitGuardian ever sending the secret.
import { createHash, scrypt as scryptCallback, scryptSync } from 'node:crypto';
import { promisify } from 'node:util';

const PEPPER = createHash('sha256').update('GitGuardian').digest();
const PARAMS = { N: 2048, r: 8, p: 1 } as const;
const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: typeof PARAMS,
) => Promise<Buffer>;

export function hmslHashSync(secret: string): string {
  return scryptSync(secret, PEPPER, 32, PARAMS).toString('hex');
}

export async function hmslHash(secret: string): Promise<string> {
  return (await scrypt(secret, PEPPER, 32, PARAMS)).toString('hex');
}
