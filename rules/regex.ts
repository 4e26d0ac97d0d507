// The one place lfk touches a regex engine. Every rule regex runs on RE2: linear time whatever
// the input, so a hostile file cannot make a scan hang (RE2 has no look-around or backreferences).
import RE2 from 're2';

export interface RegexMatch {
  /** Start and end (exclusive) of the whole match, in UTF-16 code units of the searched text. */
  start: number;
  end: number;
  /** Start and end of each capture group (index 1…), undefined when the group did not take part. */
  groups: Array<readonly [number, number] | undefined>;
}

export interface SafeRegex {
  readonly source: string;
  /** Number of capture groups in the pattern. */
  readonly groupCount: number;
  /** The first match starting at or after `from`. */
  exec(text: string, from?: number): RegexMatch | null;
  test(text: string): boolean;
}

/** Compiles a pattern (RE2 syntax, inline flags such as `(?i)` allowed); throws with RE2's reason. */
export function compileRegex(source: string): SafeRegex {
  let engine: RE2;
  try {
    engine = new RE2(source, 'gdu');
  } catch (error) {
    throw new Error(`not a valid RE2 regex (${error instanceof Error ? error.message : String(error)})`);
  }
  // Built on first use: most regexes only ever need one of these, and compiling costs start-up time.
  let tester: RE2 | undefined;
  let groupCount: number | undefined;
  return {
    source,
    get groupCount() {
      // An empty alternative always matches, so its match array shows how many groups there are.
      groupCount ??= (new RE2(`${source}|`, 'u').exec('')?.length ?? 1) - 1;
      return groupCount;
    },
    exec(text, from = 0) {
      engine.lastIndex = from;
      const found = engine.exec(text);
      if (!found) return null;
      const indices = found.indices as Array<[number, number] | undefined> | undefined;
      const start = found.index;
      const end = start + found[0].length;
      const groups: RegexMatch['groups'] = [];
      for (let group = 1; group < found.length; group++) groups[group] = indices?.[group];
      return { start, end, groups };
    },
    test(text) {
      // test() needs neither lastIndex nor match indices, which cost on every call.
      tester ??= new RE2(source, 'u');
      return tester.test(text);
    },
  };
}

export interface LineRegex {
  /** Start and end (exclusive) of every match, left to right, in multi-line mode (`^`/`$` at line ends). */
  matchSpans(text: string): Array<readonly [number, number]>;
}

/** A pattern compiled for searching many lines at once (path allowlists over a batch of paths). */
export function compileLineRegex(source: string): LineRegex {
  const engine = new RE2(source, 'gmu');
  return {
    matchSpans(text) {
      const spans: Array<readonly [number, number]> = [];
      engine.lastIndex = 0;
      for (let found = engine.exec(text); found; found = engine.exec(text)) {
        const end = found.index + found[0].length;
        spans.push([found.index, end]);
        // An empty match would be found again at the same place.
        if (end === found.index) engine.lastIndex = end + 1;
        if (engine.lastIndex > text.length) break;
      }
      return spans;
    },
  };
}
