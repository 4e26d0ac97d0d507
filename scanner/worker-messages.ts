// What the pool and its workers say to each other. A batch of files travels as one string: the
// structured clone of hundreds of small objects cost the walking thread more than reading them.
import type { RuleSet } from '../rules/types.js';
import type { FileEntry } from './sources/file-fragments.js';
import type { ArchiveOptions } from './unpack/scan-archive.js';

export interface WorkerInit {
  ruleSet: RuleSet;
  reportInvalid: boolean;
  maxFileSize: number;
  archives?: ArchiveOptions;
  maxDecodeDepth: number;
}

// NUL cannot appear in a path, so it separates fields safely.
const SEPARATOR = '\0';

export function encodeEntries(entries: readonly FileEntry[]): string {
  const fields: string[] = [];
  for (const entry of entries) fields.push(entry.path, entry.file, entry.explicit ? '1' : '');
  return fields.join(SEPARATOR);
}

export function decodeEntries(message: string): FileEntry[] {
  const fields = message.split(SEPARATOR);
  const entries: FileEntry[] = [];
  for (let index = 0; index + 2 < fields.length; index += 3) {
    const entry: FileEntry = { path: fields[index]!, file: fields[index + 1]! };
    if (fields[index + 2] === '1') entry.explicit = true;
    entries.push(entry);
  }
  return entries;
}
