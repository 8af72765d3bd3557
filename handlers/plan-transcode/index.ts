import { intEnv, requireEnv } from '../shared/config';
import type { TranscodePlan } from '../shared/job';
import { logger } from '../shared/logger';
import { parseTaskInput } from '../shared/schemas';
import { DEFAULT_MAX_DURATION_SECONDS, DEFAULT_THUMBNAIL_INTERVAL_SECONDS, MAX_THUMBNAILS, planTranscode, type PlanConfig } from './plan';
import { planTranscodeEventSchema } from './schema';

function loadConfig(): PlanConfig {
  return {
    outputBucket: requireEnv('OUTPUT_BUCKET'),
    pinnedSourceBucket: requireEnv('PINNED_SOURCE_BUCKET'),
    maxDurationSeconds: intEnv('MAX_DURATION_SECONDS', DEFAULT_MAX_DURATION_SECONDS),
    thumbnailIntervalSeconds: Math.max(1, intEnv('THUMBNAIL_INTERVAL_SECONDS', DEFAULT_THUMBNAIL_INTERVAL_SECONDS)),
    maxThumbnails: MAX_THUMBNAILS,
  };
}

/** Step Functions PlanTranscode task: `{ jobId, source, metadata, profile, userMetadata }` -> TranscodePlan (`$.plan`). */
// eslint-disable-next-line @typescript-eslint/require-await -- async so a bad input is a rejected promise, as for every other task handler
export async function handler(event: unknown): Promise<TranscodePlan> {
  const config = loadConfig();
  const input = parseTaskInput(planTranscodeEventSchema, event, 'PlanTranscode');
  logger.appendKeys({ jobId: input.jobId });
  const plan = planTranscode(input, config);
  logger.info('Planned transcode', {
    profile: plan.profile,
    ladder: plan.ladder.map((r) => `${r.width}x${r.height}@${r.maxBitrate}`),
    thumbnailCount: plan.thumbnailCount,
    settingsBytes: JSON.stringify(plan.settings).length,
  });
  return plan;
}
