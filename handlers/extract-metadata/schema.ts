import * as z from 'zod';
import { sourceRefSchema } from '../shared/schemas';

export const extractMetadataEventSchema = z.object({
  jobId: z.string().min(1),
  source: sourceRefSchema,
});
