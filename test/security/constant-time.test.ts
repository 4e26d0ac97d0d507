// The one constant-time comparison every secret check uses (tokens, CSRF, signatures, passwords).
import { describe, expect, it } from 'vitest';
import { secretsEqual } from '../../platform/constant-time.js';

describe('secretsEqual', () => {
  it('compares text as UTF-8 and bytes as bytes, either against the other', () => {
    expect(secretsEqual('whsec_é', 'whsec_é')).toBe(true);
    expect(secretsEqual(Buffer.from('whsec_é'), 'whsec_é')).toBe(true);
    expect(secretsEqual(new Uint8Array([1, 2, 3]), Buffer.from([1, 2, 3]))).toBe(true);
    expect(secretsEqual('whsec_a', 'whsec_b')).toBe(false);
  });

  it('is false, without throwing, for secrets of different lengths or an empty one', () => {
    expect(secretsEqual('abc', 'abcd')).toBe(false);
    expect(secretsEqual(Buffer.alloc(63), Buffer.alloc(64))).toBe(false);
    expect(secretsEqual('', 'token')).toBe(false);
    expect(secretsEqual('', '')).toBe(true);
  });
});
