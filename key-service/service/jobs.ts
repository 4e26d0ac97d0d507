// Enrichment jobs: stored for the enrichment worker, which lives outside lfk.
import { newId } from '../../platform/ids.js';
import type { JobsTable } from '../../platform/database/schema.js';
import { refusePastedKey } from './no-pasted-keys.js';
import { findOwnedRow } from './owned-rows.js';
import type { ServiceCall } from './service-call.js';

export interface JobObject {
  id: string;
  status: JobsTable['status'];
  file_url: string;
  created_at: string;
}

function toJobObject(row: JobsTable): JobObject {
  return { id: row.id, status: row.status, file_url: row.file_url, created_at: row.created_at };
}

export async function createJob(
  { db, now }: ServiceCall,
  accountId: string,
  keyId: string,
  fileUrl: string,
): Promise<JobObject> {
  refusePastedKey('file_url', fileUrl);
  const row: JobsTable = {
    id: newId('job'),
    account_id: accountId,
    key_id: keyId,
    file_url: fileUrl,
    status: 'queued',
    created_at: now.toISOString(),
  };
  await db.insertInto('jobs').values(row).execute();
  return toJobObject(row);
}

export async function getJob({ db }: ServiceCall, accountId: string, jobId: string): Promise<JobObject> {
  return toJobObject(await findOwnedRow(db, 'jobs', accountId, jobId));
}
