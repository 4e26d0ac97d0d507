// A cheap guard run on a request body before JSON.parse builds it: JSON nested thousands of levels
// deep costs memory and stack in the parser and in everything that walks the result afterwards.
// One pass counting brackets outside strings; the text is not otherwise checked (JSON.parse does that).

/** No lfk route takes JSON deeper than a few levels; 32 leaves room for webhook payloads. */
export const MAX_JSON_DEPTH = 32;

export const TOO_DEEP_MESSAGE = `The request body nests JSON deeper than ${MAX_JSON_DEPTH} levels.`;

/** True when `text` opens more than `maxDepth` arrays/objects inside one another. */
export function isJsonTooDeep(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c /* \ */) index++;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b /* [ */ || code === 0x7b /* { */) {
      if (++depth > maxDepth) return true;
    } else if (code === 0x5d /* ] */ || code === 0x7d /* } */) depth--;
  }
  return false;
}
