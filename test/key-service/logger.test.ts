// The JSON-lines logger: a logged field cannot put a raw control or bidi character into the log
// (JSON.stringify escapes C0 only; C1, DEL, bidi controls and U+2028/U+2029 would go through raw).
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/logger.js';

const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

function logged(message: string, fields: Record<string, unknown>): string {
  const lines: string[] = [];
  createLogger('debug', (line) => lines.push(line)).warn(message, fields);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('logger', () => {
  it('escapes C1 controls, DEL, bidi controls and line separators as JSON \\u escapes', () => {
    const hostile = 'evil\u009b2J\u202egpj.exe\u2028\u2029\u007f\u061c\u200e\u200f\u2066\u2069\u0085';
    const line = logged(`webhook from ${hostile}`, {
      repository: hostile,
      nested: { name: hostile, list: [hostile] },
      esc: '\x1b[31m\r\n\t',
    });
    expect(line.endsWith('\n')).toBe(true);
    const body = line.slice(0, -1);
    expect(body).not.toMatch(RAW_CONTROL);
    expect(body).toContain(
      'evil\\u009b2J\\u202egpj.exe\\u2028\\u2029\\u007f\\u061c\\u200e\\u200f\\u2066\\u2069\\u0085',
    );
    expect(body).toContain('"esc":"\\u001b[31m\\r\\n\\t"');
    // Still one valid JSON object, with the exact strings back.
    const parsed = JSON.parse(body);
    expect(parsed).toMatchObject({
      level: 'warn',
      msg: `webhook from ${hostile}`,
      repository: hostile,
      nested: { name: hostile, list: [hostile] },
      esc: '\x1b[31m\r\n\t',
    });
  });

  it('leaves ordinary text, accents and emoji alone', () => {
    const line = logged('key created', { name: 'café 日本 😀', id: 'key_123' });
    expect(line).toContain('"name":"café 日本 😀"');
    expect(JSON.parse(line)).toMatchObject({ msg: 'key created', name: 'café 日本 😀', id: 'key_123' });
  });
});
