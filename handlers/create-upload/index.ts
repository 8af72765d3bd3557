import { randomUUID } from 'node:crypto';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { accessConfigFromEnv } from '../shared/caller';
import { documentClient, s3Client } from '../shared/clients';
import { apiHandler } from '../shared/http';
import { reserveUpload } from '../shared/limits';
import { createUpload, loadUploadConfig, type UploadConfig } from './create-upload';

let config: UploadConfig | undefined;

/** Config is read on first use so a bad deployment answers 500 with a logged, named error. */
export const handler = apiHandler('POST /uploads', (event, ctx) => {
  config ??= loadUploadConfig(process.env, accessConfigFromEnv());
  const uploadsTable = config.uploadsTable;
  return createUpload(event, ctx, config, {
    presign: (options) => createPresignedPost(s3Client(), options),
    reserve: (reservation) => reserveUpload(documentClient(), uploadsTable, reservation),
    now: () => new Date(),
    uuid: randomUUID,
  });
});
