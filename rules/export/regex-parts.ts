// Splits a rule regex around its secret group, for formats that want the secret and its
// delimiters apart (GitHub custom patterns).

export interface RegexParts {
  before: string;
  secret: string;
  after: string;
}

/** The text of capture group `group` and what comes before and after it; undefined if not found. */
export function splitAtGroup(regex: string, group: number): RegexParts | undefined {
  if (group === 0) return { before: '', secret: regex, after: '' };
  let count = 0;
  let start = -1;
  let depth = 0;
  let targetDepth = -1;
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const char = regex[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(') {
      depth++;
      const capturing =
        regex[i + 1] !== '?' ||
        regex.startsWith('(?P<', i) ||
        (regex.startsWith('(?<', i) && regex[i + 3] !== '=' && regex[i + 3] !== '!');
      if (capturing && ++count === group) {
        start = i;
        targetDepth = depth;
      }
    } else if (char === ')') {
      if (depth === targetDepth && start >= 0) {
        const inner = regex.slice(start + 1, i).replace(/^\?P?<[^>]+>/, '');
        return { before: regex.slice(0, start), secret: inner, after: regex.slice(i + 1) };
      }
      depth--;
    }
  }
  return undefined;
}
