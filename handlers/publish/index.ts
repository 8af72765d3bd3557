import { documentClient, eventBridgeClient, snsClient } from '../shared/clients';
import { requireEnv } from '../shared/config';
import { eventBridgeSink } from '../shared/job-events';
import { DynamoJobStore } from '../shared/job-store';
import { logger } from '../shared/logger';
import { emit } from '../shared/metrics';
import { requireDeliverySettings } from '../shared/playback';
import { unsignedView } from '../shared/public-job';
import { parseTaskInput } from '../shared/schemas';
import { publish, PublishDeps, publishInputSchema, PublishResult } from './publish';

let deps: PublishDeps | undefined;

function dependencies(): PublishDeps {
  if (deps !== undefined) return deps;
  // A missing base URL is a named deployment error, not a job without playback.
  const delivery = requireDeliverySettings();
  deps = {
    store: new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME')),
    sns: snsClient(),
    topicArn: requireEnv('TOPIC_ARN'),
    outputBucket: requireEnv('OUTPUT_BUCKET'),
    delivery,
    log: logger,
    events: eventBridgeSink(eventBridgeClient(), requireEnv('EVENT_SOURCE'), unsignedView(delivery)),
    onCompleted: (durationSeconds) => emit([['VideosCompleted', 1], ['SourceMinutesProcessed', durationSeconds / 60]]),
  };
  return deps;
}

/** Step Functions task "Publish". */
export async function handler(event: unknown): Promise<PublishResult> {
  const input = parseTaskInput(publishInputSchema, event, 'Publish');
  logger.appendKeys({ jobId: input.jobId });
  return publish(input, dependencies());
}
