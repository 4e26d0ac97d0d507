// Where a finding in a GitHub repository can be seen: `<html url>/blob/<commit>/<path>#L<line>`.
// A key inside an archive or a binary file links to the stored file, which has no such line.
import type { Finding } from '../types.js';

export function blobUrl(htmlUrl: string, commit: string, finding: Finding): string {
  const path = (finding.archive ?? finding.file).split('/').map(encodeURIComponent).join('/');
  return `${htmlUrl}/blob/${commit}/${path}${finding.archive || finding.binary ? '' : `#L${finding.line}`}`;
}
