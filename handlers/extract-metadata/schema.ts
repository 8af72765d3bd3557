import { nonEmptyString, sourceRefSchema } from '../shared/schemas';
import * as z from '../shared/zod';

export const extractMetadataEventSchema = z.object({
  jobId: nonEmptyString(),
  source: sourceRefSchema,
});
