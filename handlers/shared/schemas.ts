import * as z from 'zod';
import { MalformedEvent } from './errors';

/**
 * The SourceRef start-job pins; later tasks validate their `source` input with it. Kept apart
 * from start-job.ts so task bundles that only validate input do not pull in the S3/SFN clients
 * (this module imports zod and errors.ts only).
 */
export const sourceRefSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().min(1).optional(),
  etag: z.string(),
  size: z.number().int().nonnegative(),
});

const metricStatsSchema = z.object({ mean: z.number(), p5: z.number(), min: z.number(), worstSecond: z.number(), frames: z.number().int().nonnegative() });

/** QualityReport (job.ts) as quality-control returns it; publish and record-failure store it on the record. */
export const qualityReportSchema = z.object({
  rungs: z.array(
    z.object({
      name: z.string(),
      width: z.number(),
      height: z.number(),
      bitrate: z.number().optional(),
      top: z.boolean(),
      ssim: metricStatsSchema,
      psnr: metricStatsSchema,
      vmaf: metricStatsSchema.optional(),
    }),
  ),
});

/** How many issues an input error keeps in its context (enough to diagnose, small enough to log). */
export const MAX_REPORTED_ISSUES = 5;

/** One zod issue as the field it concerns and what is wrong with it. */
export interface IssueEntry {
  readonly field: string;
  readonly message: string;
}

/**
 * The issues as `{ field, message }`, one per offending field: an unknown-keys issue becomes
 * one entry per key, and an issue without a path is named `root`.
 */
export function issueEntries(issues: readonly z.core.$ZodIssue[], root = ''): IssueEntry[] {
  const entries: IssueEntry[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) entries.push({ field: [...issue.path.map(String), key].join('.'), message: 'unknown field' });
      continue;
    }
    entries.push({ field: issue.path.length === 0 ? root : issue.path.map(String).join('.'), message: issue.message });
  }
  return entries;
}

/** A zod error (or its issues) as `field: message` lines. */
export function describeIssues(error: z.ZodError | readonly z.core.$ZodIssue[], root = ''): string[] {
  const issues = error instanceof z.ZodError ? error.issues : (error);
  return issueEntries(issues, root).map((e) => `${e.field}: ${e.message}`);
}

/**
 * Validates a Step Functions task's input; a mismatch is MalformedEvent
 * (`<taskName> input is invalid`, the first issues in `context.issues`), which the state
 * machine does not retry.
 */
export function parseTaskInput<S extends z.ZodType>(schema: S, input: unknown, taskName: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new MalformedEvent(`${taskName} input is invalid`, {
      context: { issues: describeIssues(parsed.error).slice(0, MAX_REPORTED_ISSUES) },
    });
  }
  return parsed.data;
}
