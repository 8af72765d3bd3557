import * as z from 'zod';

export const sourceRefSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().min(1).optional(),
  etag: z.string(),
  size: z.number().int().nonnegative(),
});

export const extractMetadataEventSchema = z.object({
  jobId: z.string().min(1),
  source: sourceRefSchema,
});
