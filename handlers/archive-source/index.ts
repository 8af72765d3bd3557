import { StorageClass } from '@aws-sdk/client-s3';
import { s3Client } from '../shared/clients';
import { requireEnv } from '../shared/config';
import { ConfigurationError } from '../shared/errors';
import { logger } from '../shared/logger';
import { parseTaskInput } from '../shared/schemas';
import { ArchiveDeps, ArchiveResult, archiveInputSchema, archiveSource } from './archive';

let deps: ArchiveDeps | undefined;

function dependencies(): ArchiveDeps {
  if (deps) return deps;
  const storageClass = requireEnv('ARCHIVE_STORAGE_CLASS');
  if (!(Object.values(StorageClass) as string[]).includes(storageClass)) {
    throw new ConfigurationError(`ARCHIVE_STORAGE_CLASS "${storageClass}" is not an S3 storage class`, {
      context: { variable: 'ARCHIVE_STORAGE_CLASS' },
    });
  }
  deps = { s3: s3Client(), archiveBucket: requireEnv('ARCHIVE_BUCKET'), storageClass: storageClass as StorageClass, log: logger };
  return deps;
}

/** Step Functions task "ArchiveSource". */
export async function handler(event: unknown): Promise<ArchiveResult> {
  const input = parseTaskInput(archiveInputSchema, event, 'ArchiveSource');
  logger.appendKeys({ jobId: input.jobId });
  return archiveSource(input, dependencies());
}
