import * as z from 'zod';

/**
 * The SourceRef start-job pins; later tasks validate their `source` input with it. Kept apart
 * from start-job.ts so task bundles that only validate input do not pull in the S3/SFN clients.
 */
export const sourceRefSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().min(1).optional(),
  etag: z.string(),
  size: z.number().int().nonnegative(),
});
