import { S3Client } from '@aws-sdk/client-s3';
import { requireEnv } from '../shared/config';
import { MalformedEvent } from '../shared/errors';
import type { QcResult } from '../shared/job';
import { logger } from '../shared/logger';
import { emit } from '../shared/metrics';
import { parseS3Uri, qualityControl } from './qc';
import { qualityControlEventSchema } from './schema';

const s3 = new S3Client({});

/**
 * Step Functions QualityControl task -> QcResult (`$.qc`). Failed checks come back in the
 * result for the "Quality passed?" Choice; only infrastructure errors are thrown.
 */
export async function handler(event: unknown): Promise<QcResult> {
  const parsed = qualityControlEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new MalformedEvent('QualityControl event is invalid', { context: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) } });
  }
  logger.appendKeys({ jobId: parsed.data.jobId });
  // QC reads only the output bucket: a plan pointing elsewhere is a bug or a tampered state.
  const outputBucket = requireEnv('OUTPUT_BUCKET');
  const foreign = [parsed.data.plan.outputPrefix, ...parsed.data.plan.expectedOutputs.map((o) => o.uri)].filter((uri) => parseS3Uri(uri).bucket !== outputBucket);
  if (foreign.length > 0) {
    throw new MalformedEvent('QualityControl plan points outside the output bucket', { context: { outputBucket, foreign } });
  }
  const result = await qualityControl(parsed.data, { s3, log: logger });
  if (!result.passed) emit([['QualityChecksFailed', 1]], { failures: result.failures.join('; ').slice(0, 1000) });
  if (!result.passed) logger.warn('Quality checks failed', { failures: result.failures });
  return result;
}
