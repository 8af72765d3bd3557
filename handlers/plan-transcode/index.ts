import { intEnv, requireEnv } from '../shared/config';
import { MalformedEvent } from '../shared/errors';
import type { TranscodePlan } from '../shared/job';
import { logger } from '../shared/logger';
import { DEFAULT_MAX_DURATION_SECONDS, DEFAULT_THUMBNAIL_INTERVAL_SECONDS, MAX_THUMBNAILS, planTranscode, type PlanConfig } from './plan';
import { planTranscodeEventSchema } from './schema';

function loadConfig(): PlanConfig {
  return {
    outputBucket: requireEnv('OUTPUT_BUCKET'),
    maxDurationSeconds: intEnv('MAX_DURATION_SECONDS', DEFAULT_MAX_DURATION_SECONDS),
    thumbnailIntervalSeconds: Math.max(1, intEnv('THUMBNAIL_INTERVAL_SECONDS', DEFAULT_THUMBNAIL_INTERVAL_SECONDS)),
    maxThumbnails: MAX_THUMBNAILS,
  };
}

/** Step Functions PlanTranscode task: `{ jobId, source, metadata }` -> TranscodePlan (`$.plan`). */
export async function handler(event: unknown): Promise<TranscodePlan> {
  const config = loadConfig();
  const parsed = planTranscodeEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new MalformedEvent('PlanTranscode event is invalid', { context: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) } });
  }
  logger.appendKeys({ jobId: parsed.data.jobId });
  const plan = planTranscode(parsed.data, config);
  logger.info('Planned transcode', {
    ladder: plan.ladder.map((r) => `${r.width}x${r.height}@${r.maxBitrate}`),
    thumbnailCount: plan.thumbnailCount,
    settingsBytes: JSON.stringify(plan.settings).length,
  });
  return plan;
}
