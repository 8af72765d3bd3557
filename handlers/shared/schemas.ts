import { MalformedEvent } from './errors';
import * as z from './zod';

/** A string of at least one character (classic zod's `z.string().min(1)`). */
export function nonEmptyString(): z.ZodMiniString {
  return z.string().check(z.minLength(1));
}

/** A whole number >= 0 (classic zod's `z.number().int().nonnegative()`: the same checks, in the same order). */
export function wholeCount(): z.ZodMiniNumber {
  return z.number().check(z.int(), z.nonnegative());
}

/**
 * The SourceRef start-job pins; later tasks validate their `source` input with it. Kept apart
 * from start-job.ts so task bundles that only validate input do not pull in the S3/SFN clients
 * (this module imports zod and errors.ts only).
 */
export const sourceRefSchema = z.object({
  bucket: nonEmptyString(),
  key: nonEmptyString(),
  versionId: z.optional(nonEmptyString()),
  etag: z.string(),
  size: wholeCount(),
});

const metricStatsSchema = z.object({ mean: z.number(), p5: z.number(), min: z.number(), worstSecond: z.number(), frames: wholeCount() });

/** QualityReport (job.ts) as quality-control returns it; publish and record-failure store it on the record. */
export const qualityReportSchema = z.object({
  rungs: z.array(
    z.object({
      name: z.string(),
      width: z.number(),
      height: z.number(),
      bitrate: z.optional(z.number()),
      top: z.boolean(),
      ssim: metricStatsSchema,
      psnr: metricStatsSchema,
      vmaf: z.optional(metricStatsSchema),
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
export function describeIssues(error: z.core.$ZodError | readonly z.core.$ZodIssue[], root = ''): string[] {
  // Not `instanceof z.core.$ZodError`: a value use of the `core` namespace makes esbuild bundle all of zod's core.
  const issues = 'issues' in error ? error.issues : error;
  return issueEntries(issues, root).map((e) => `${e.field}: ${e.message}`);
}

/**
 * Validates a Step Functions task's input; a mismatch is MalformedEvent
 * (`<taskName> input is invalid`, the first issues in `context.issues`), which the state
 * machine does not retry.
 */
export function parseTaskInput<S extends z.ZodMiniType>(schema: S, input: unknown, taskName: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new MalformedEvent(`${taskName} input is invalid`, {
      context: { issues: describeIssues(parsed.error).slice(0, MAX_REPORTED_ISSUES) },
    });
  }
  return parsed.data;
}
