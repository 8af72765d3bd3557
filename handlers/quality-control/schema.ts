import * as z from 'zod';
import { OUTPUT_KINDS } from '../shared/job';

const s3Uri = z.string().regex(/^s3:\/\/[^/]+\/.+/, 'must be an s3://bucket/key URI');

const outputDetailSchema = z.object({
  OutputFilePaths: z.array(z.string()).optional(),
  DurationInMs: z.number().optional(),
  VideoDetails: z.object({ WidthInPx: z.number().optional(), HeightInPx: z.number().optional() }).optional(),
});

const metricFloorSchema = z
  .object({ mean: z.number(), p5: z.number(), min: z.number(), worstSecond: z.number() })
  .partial()
  .strict();
const rungFloorsSchema = z.object({ ssim: metricFloorSchema, psnr: metricFloorSchema, vmaf: metricFloorSchema }).partial().strict();

/** QualityThresholds (handlers/shared/quality-thresholds.ts); strict, so a misspelt floor is an error, not a silent no-op. */
export const qualityThresholdsSchema = z.object({ topRung: rungFloorsSchema, otherRungs: rungFloorsSchema }).strict();

export const qualityControlEventSchema = z.object({
  jobId: z.string().min(1),
  metadata: z.object({ durationSeconds: z.number().positive(), frameRate: z.number().optional() }),
  plan: z.object({
    quality: qualityThresholdsSchema.optional(),
    expectedOutputs: z.array(
      z.object({
        kind: z.enum(OUTPUT_KINDS),
        uri: s3Uri,
        width: z.number().optional(),
        height: z.number().optional(),
        maxBitrate: z.number().optional(),
      }),
    ),
    ladder: z.array(z.object({ width: z.number(), height: z.number(), maxBitrate: z.number(), qvbrQualityLevel: z.number(), codec: z.literal('H_265').optional() })),
    thumbnailCount: z.number().int().nonnegative(),
    outputPrefix: s3Uri,
    /** Absent in plans made before profiles: the standard group order. */
    groupRoles: z.array(z.enum(['mp4', 'hls', 'cmaf', 'thumbnails'])).optional(),
  }),
  pinned: z
    .object({
      bucket: z.string().min(1),
      key: z.string().min(1),
      versionId: z.string().min(1).optional(),
      size: z.number().int().nonnegative(),
      sourceVersionId: z.string().min(1).optional(),
      sourceEtag: z.string(),
    })
    .optional(),
  fileInput: z.string().optional(),
  transcode: z.object({
    mediaConvertJobId: z.string(),
    outputGroupDetails: z.array(
      z.object({
        OutputDetails: z.array(outputDetailSchema).optional(),
        PlaylistFilePaths: z.array(z.string()).optional(),
        Type: z.string().optional(),
      }),
    ),
  }),
});
