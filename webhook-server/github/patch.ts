// Added lines of a unified diff (`files[].patch`), grouped in runs of consecutive lines with the
// line number each run starts at in the new file.

export interface AddedRun {
  startLine: number;
  lines: string[];
}

export function addedRuns(patch: string): AddedRun[] {
  const runs: AddedRun[] = [];
  let line = 0;
  let current: AddedRun | undefined;
  for (const text of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      line = Number(hunk[1]);
      current = undefined;
      continue;
    }
    if (text.startsWith('+')) {
      if (!current) runs.push((current = { startLine: line, lines: [] }));
      current.lines.push(text.slice(1));
      line++;
    } else if (text.startsWith('-') || text.startsWith('\\')) {
      // A removed line (or "\ No newline at end of file") does not move the new file's line.
      if (text.startsWith('-')) current = undefined;
    } else {
      current = undefined;
      line++;
    }
  }
  return runs;
}

/** True when the patch holds fewer added lines than the file has: GitHub cut it. */
export function isCut(patch: string, additions: number): boolean {
  let added = 0;
  for (const text of patch.split('\n')) if (text.startsWith('+')) added++;
  return added < additions;
}
