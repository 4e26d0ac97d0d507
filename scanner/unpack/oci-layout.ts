// An OCI image layout's marker file (`oci-layout`): its folder is scanned as one image. Kept
// apart from scan-archive.ts so the file scan can test for it without loading the unpackers.
import { basename } from 'node:path';

export const OCI_LAYOUT_FILE = 'oci-layout';

export function isOciLayoutMarker(path: string): boolean {
  return basename(path) === OCI_LAYOUT_FILE;
}
