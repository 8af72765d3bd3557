import { s3Client } from '../shared/clients';
import { requireEnv } from '../shared/config';
import { MalformedEvent } from '../shared/errors';
import type { QcResult } from '../shared/job';
import { logger } from '../shared/logger';
import { emit } from '../shared/metrics';
import { parseS3Uri } from '../shared/s3-uri';
import { parseTaskInput } from '../shared/schemas';
import { qualityControl, type QualityControlDeps } from './qc';
import { topRungMetrics } from './quality-gate';
import { qualityControlEventSchema } from './schema';

let deps: QualityControlDeps | undefined;

/** Created on first use, once per container (the shared S3 client is path-style for local endpoints). */
function dependencies(): QualityControlDeps {
  deps ??= { s3: s3Client(), log: logger };
  return deps;
}

/**
 * Step Functions QualityControl task -> QcResult (`$.qc`). Failed checks come back in the
 * result for the "Quality passed?" Choice; only infrastructure errors are thrown.
 */
export async function handler(event: unknown): Promise<QcResult> {
  const input = parseTaskInput(qualityControlEventSchema, event, 'QualityControl');
  logger.appendKeys({ jobId: input.jobId });
  // QC reads only the output bucket: a plan pointing elsewhere is a bug or a tampered state.
  const outputBucket = requireEnv('OUTPUT_BUCKET');
  const foreign = [input.plan.outputPrefix, ...input.plan.expectedOutputs.map((o) => o.uri)].filter((uri) => parseS3Uri(uri).bucket !== outputBucket);
  if (foreign.length > 0) {
    throw new MalformedEvent('QualityControl plan points outside the output bucket', { context: { outputBucket, foreign } });
  }
  const result = await qualityControl(input, dependencies());
  const values = [...(result.passed ? [] : [['QualityChecksFailed', 1] as const]), ...topRungMetrics(result.quality)];
  if (values.length > 0) emit(values, result.passed ? {} : { failures: result.failures.join('; ').slice(0, 1000) });
  if (!result.passed) logger.warn('Quality checks failed', { error: result.error, failures: result.failures });
  return result;
}
