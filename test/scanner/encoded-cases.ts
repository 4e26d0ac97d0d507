// Keys written the encoded ways docs/scanner.md#encoded-text lists, each in the kind of file it
// leaks in, built from fresh keys at run time. Each case says where its encoded run starts in the
// stored text, which is where a finding must point, and the decodings that reveal the key.
import { gzipSync } from 'node:zlib';
import { generateKey } from '../../platform/key-format.js';

export interface EncodedCase {
  name: string;
  /** The file to store it in. */
  file: string;
  text: string;
  key: string;
  /** Offset in text of the encoded run's first character. */
  at: number;
  decoded: string[];
}

const base64 = (bytes: string | Buffer) => Buffer.from(bytes).toString('base64');

/** Lines of `width` characters, as MIME (76) and PEM (64) wrap base64. */
export function wrapLines(text: string, width: number): string {
  const lines: string[] = [];
  for (let at = 0; at < text.length; at += width) lines.push(text.slice(at, at + width));
  return lines.join('\n');
}

/**
 * A text whose base64, wrapped at `width`, has the key's encoding cross a line end; with `splitCore`,
 * the wrap falls inside the characters that spell `lfk_sk_` itself (what the search looks for).
 */
function wrappedAround(key: string, width: number, splitCore: boolean): string {
  for (let filler = 0; filler < 3 * width; filler++) {
    const text = `Hello,\n\nthe key for the staging account is ${'x'.repeat(filler)} ${key} (rotate it monthly).\n`;
    const start = Math.floor((text.indexOf(key) * 4) / 3);
    const line = (offset: number) => Math.floor(offset / width);
    const crosses = splitCore ? line(start + 2) !== line(start + 7) : line(start + 12) !== line(start + 60);
    if (crosses) return text;
  }
  throw new Error('no filler makes the key cross a wrap');
}

function mime(key: string): { text: string; at: number } {
  const head =
    'From: ada@example.com\nSubject: staging\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n';
  return { text: `${head}${wrapLines(base64(wrappedAround(key, 76, false)), 76)}\n`, at: head.length };
}

function pem(key: string): { text: string; at: number } {
  const head = 'config:\n  bundle: |\n    -----BEGIN LFK TEST-----\n    ';
  const body = wrapLines(base64(wrappedAround(key, 64, true)), 64).replaceAll('\n', '\n    ');
  return { text: `${head}${body}\n    -----END LFK TEST-----\n`, at: head.length };
}

/** Bytes around the key that base64url writes with `-` and `_`, without padding. */
function urlSafe(key: string): string {
  const encoded = Buffer.concat([
    Buffer.from([0xfb, 0xff, 0xbf, 0x20]),
    Buffer.from(`${key}\n`),
    Buffer.from([0xfe, 0xff]),
  ]).toString('base64url');
  if (!/[-_]/.test(encoded) || encoded.endsWith('='))
    throw new Error(`not URL-safe base64 without padding: ${encoded.length}`);
  return encoded;
}

export function encodedCases(): EncodedCase[] {
  const cases: EncodedCase[] = [];
  const add = (name: string, file: string, decoded: string[], build: (key: string) => { text: string; at: number }) => {
    const key = generateKey();
    cases.push({ name, file, key, decoded, ...build(key) });
  };
  const around = (head: string, encoded: string, tail: string) => ({
    text: `${head}${encoded}${tail}`,
    at: head.length,
  });
  add('a Kubernetes Secret (base64)', 'secret.yaml', ['base64'], (key) =>
    around(
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: trustleads\ntype: Opaque\ndata:\n  API_KEY: ',
      base64(key),
      '\n',
    ),
  );
  add('HTTP Basic credentials in a log', 'access.log', ['base64'], (key) =>
    around(
      '10.0.0.7 - - [27/Nov/2026:10:00:00 +0000] "GET /v1/usage HTTP/1.1" 200\n  Authorization: Basic ',
      base64(`ada:${key}`),
      '\n',
    ),
  );
  add('a docker config.json auth', 'config.json', ['base64'], (key) => {
    const auth = base64(`ada:${key}`);
    const text = `${JSON.stringify({ auths: { 'r.example': { auth } } }, null, 2)}\n`;
    return { text, at: text.indexOf(auth) };
  });
  add('MIME base64 wrapped at 76, the key across a wrap', 'message.eml', ['base64'], mime);
  add('PEM base64 wrapped at 64 and indented, the keyword across a wrap', 'bundle.yaml', ['base64'], pem);
  add('URL-safe base64 without padding', 'token.txt', ['base64'], (key) =>
    around('session token=', urlSafe(key), '\n'),
  );
  add('hex', 'dump.txt', ['hex'], (key) => around('blob: ', Buffer.from(key).toString('hex'), '\n'));
  add('%5F in a URL query', 'urls.txt', ['percent'], (key) =>
    around('curl "https://api.trustleads.example/v1/usage?key=', key.replaceAll('_', '%5F'), '&limit=10"\n'),
  );
  add('\\u005f in JSON', 'settings.json', ['escape'], (key) =>
    around('{\n  "apiKey": "', key.replaceAll('_', '\\u005f'), '"\n}\n'),
  );
  add('\\x5f in a C string', 'key.c', ['escape'], (key) =>
    around('static const char *key = "', key.replaceAll('_', '\\x5f'), '";\n'),
  );
  add('base64 of gzip of JSON', 'payload.txt', ['base64', 'gzip'], (key) =>
    around('payload: ', gzipSync(JSON.stringify({ token: key, plan: 'pro' })).toString('base64'), '\n'),
  );
  return cases;
}

/** 1-based line and UTF-16 column of `offset` in `text`. */
export function placeOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}
