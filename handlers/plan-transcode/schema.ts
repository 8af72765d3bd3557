import { nonEmptyString, sourceRefSchema, wholeCount } from '../shared/schemas';
import * as z from '../shared/zod';

/** MediaMetadata as extract-metadata returns it (handlers/shared/job.ts). */
export const mediaMetadataSchema = z.object({
  container: z.string(),
  durationSeconds: z.number(),
  width: z.number(),
  height: z.number(),
  displayWidth: z.number(),
  displayHeight: z.number(),
  displayAspectRatio: z.number(),
  rotation: z.number(),
  frameRate: z.number(),
  videoCodec: z.string(),
  bitRate: z.optional(z.number()),
  audioTrackCount: wholeCount(),
  audioCodec: z.optional(z.string()),
  audioChannels: z.optional(z.number().check(z.int(), z.positive())),
  audioChannelLayout: z.optional(z.string()),
  bytesRead: z.number(),
});

export const planTranscodeEventSchema = z.object({
  jobId: nonEmptyString(),
  source: sourceRefSchema,
  metadata: mediaMetadataSchema,
  profile: z.optional(nonEmptyString()),
  userMetadata: z.optional(z.record(z.string(), z.string())),
  /** The ASL's ${WorkflowName}: job-progress matches UserMetadata.workflow against it. */
  workflow: z.optional(nonEmptyString()),
});
