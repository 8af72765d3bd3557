import { OUTPUT_KINDS } from '../shared/job';
import { nonEmptyString, wholeCount } from '../shared/schemas';
import * as z from '../shared/zod';

const s3Uri = z.string().check(z.regex(/^s3:\/\/[^/]+\/.+/, 'must be an s3://bucket/key URI'));

const outputDetailSchema = z.object({
  OutputFilePaths: z.optional(z.array(z.string())),
  DurationInMs: z.optional(z.number()),
  VideoDetails: z.optional(z.object({ WidthInPx: z.optional(z.number()), HeightInPx: z.optional(z.number()) })),
});

const metricFloorSchema = z.partial(z.strictObject({ mean: z.number(), p5: z.number(), min: z.number(), worstSecond: z.number() }));
const rungFloorsSchema = z.partial(z.strictObject({ ssim: metricFloorSchema, psnr: metricFloorSchema, vmaf: metricFloorSchema }));

/** QualityThresholds (handlers/shared/quality-thresholds.ts); strict, so a misspelt floor is an error, not a silent no-op. */
export const qualityThresholdsSchema = z.strictObject({ topRung: rungFloorsSchema, otherRungs: rungFloorsSchema });

export const qualityControlEventSchema = z.object({
  jobId: nonEmptyString(),
  metadata: z.object({ durationSeconds: z.number().check(z.positive()), frameRate: z.optional(z.number()) }),
  plan: z.object({
    quality: z.optional(qualityThresholdsSchema),
    expectedOutputs: z.array(
      z.object({
        kind: z.enum(OUTPUT_KINDS),
        uri: s3Uri,
        width: z.optional(z.number()),
        height: z.optional(z.number()),
        maxBitrate: z.optional(z.number()),
      }),
    ),
    ladder: z.array(z.object({ width: z.number(), height: z.number(), maxBitrate: z.number(), qvbrQualityLevel: z.number(), codec: z.optional(z.literal('H_265')) })),
    thumbnailCount: wholeCount(),
    outputPrefix: s3Uri,
    /** Absent in plans made before profiles: the standard group order. */
    groupRoles: z.optional(z.array(z.enum(['mp4', 'hls', 'cmaf', 'thumbnails']))),
  }),
  pinned: z.optional(
    z.object({
      bucket: nonEmptyString(),
      key: nonEmptyString(),
      versionId: z.optional(nonEmptyString()),
      size: wholeCount(),
      sourceVersionId: z.optional(nonEmptyString()),
      sourceEtag: z.string(),
    }),
  ),
  fileInput: z.optional(z.string()),
  transcode: z.object({
    mediaConvertJobId: z.string(),
    outputGroupDetails: z.array(
      z.object({
        OutputDetails: z.optional(z.array(outputDetailSchema)),
        PlaylistFilePaths: z.optional(z.array(z.string())),
        Type: z.optional(z.string()),
      }),
    ),
  }),
});
