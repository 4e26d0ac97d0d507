// What a stream's first bytes say it is: a compression format, an archive, or neither. Names are
// never looked at: a `.zip` that is not a zip is scanned as what it is, and a tarball named
// `notes.txt` is opened.

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd';
export type ArchiveKind = 'zip' | 'tar';
export type Format = Compression | ArchiveKind;

/** Bytes needed to tell every format apart (a tar header is 512 bytes, its magic at 257). */
export const SNIFF_HEAD_BYTES = 512;

const TAR_MAGIC_OFFSET = 257;

export function isCompression(format: Format): format is Compression {
  return format !== 'zip' && format !== 'tar';
}

export function detectFormat(head: Buffer): Format | undefined {
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  // 'BZh' and a block size digit 1-9, then a block or end-of-stream magic.
  if (
    head.length >= 4 &&
    head[0] === 0x42 &&
    head[1] === 0x5a &&
    head[2] === 0x68 &&
    head[3]! >= 0x31 &&
    head[3]! <= 0x39
  )
    return 'bzip2';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  // A local file header, an empty archive's end record, or a spanned archive's marker.
  if (
    startsWith(head, [0x50, 0x4b, 0x03, 0x04]) ||
    startsWith(head, [0x50, 0x4b, 0x05, 0x06]) ||
    startsWith(head, [0x50, 0x4b, 0x07, 0x08])
  )
    return 'zip';
  if (isTarHeader(head)) return 'tar';
  return undefined;
}

/** A POSIX/GNU tar header (`ustar` magic), or an old v7 header whose checksum adds up. */
export function isTarHeader(head: Buffer): boolean {
  if (head.length < 512) return false;
  // v7 (no magic): a name, and octal fields only; the checksum decides. Every text file of 512
  // bytes or more gets here, so the checksum field is read as bytes: text fails at its first one.
  if (!startsWith(head.subarray(TAR_MAGIC_OFFSET), USTAR) && head[0] === 0) return false;
  return checksumMatches(head);
}

const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72];
const SPACE = 0x20;

/** The checksum field: spaces, 1–8 octal digits, then NUL or spaces to its end. */
function storedChecksum(header: Buffer): number | undefined {
  let at = 148;
  while (at < 156 && header[at] === SPACE) at++;
  let value = 0;
  let digits = 0;
  for (; at < 156; at++) {
    const byte = header[at]!;
    if (byte < 0x30 || byte > 0x37) break;
    value = value * 8 + (byte - 0x30);
    digits++;
  }
  if (digits === 0) return undefined;
  for (; at < 156; at++) {
    const byte = header[at]!;
    if (byte === 0) return value;
    if (byte !== SPACE) return undefined;
  }
  return value;
}

function checksumMatches(header: Buffer): boolean {
  const stored = storedChecksum(header);
  if (stored === undefined) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === stored;
}

function startsWith(head: Buffer, magic: readonly number[]): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}
