import * as z from 'zod';
import { sourceRefSchema } from '../shared/schemas';

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
  bitRate: z.number().optional(),
  audioTrackCount: z.number().int().nonnegative(),
  audioCodec: z.string().optional(),
  audioChannels: z.number().int().positive().optional(),
  audioChannelLayout: z.string().optional(),
  bytesRead: z.number(),
});

export const planTranscodeEventSchema = z.object({
  jobId: z.string().min(1),
  source: sourceRefSchema,
  metadata: mediaMetadataSchema,
  profile: z.string().min(1).optional(),
  userMetadata: z.record(z.string(), z.string()).optional(),
  /** The ASL's ${WorkflowName}: job-progress matches UserMetadata.workflow against it. */
  workflow: z.string().min(1).optional(),
});
