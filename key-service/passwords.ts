// Users' passwords: scrypt with a per-password salt, compared in constant time.
import { randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { secretsEqual } from '../platform/constant-time.js';

const KEY_LENGTH = 64;
const COST = 16384;

function scrypt(password: string, salt: Buffer, cost: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, KEY_LENGTH, { N: cost, r: 8, p: 1 }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    );
  });
}

/** `scrypt$N$salt$hash`, all base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const derived = await scrypt(password, salt, COST);
  return ['scrypt', String(COST), salt.toString('base64url'), derived.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, cost, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !cost || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const derived = await scrypt(password, Buffer.from(salt, 'base64url'), Number(cost));
  return secretsEqual(derived, expected);
}
