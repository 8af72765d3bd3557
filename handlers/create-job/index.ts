import { intEnv, listEnv, requireEnv } from '../shared/config';
import { ConfigurationError } from '../shared/errors';
import { documentClient, s3Client, sfnClient } from '../shared/clients';
import { apiHandler } from '../shared/http';
import { DynamoJobStore } from '../shared/job-store';
import { startJob } from '../shared/start-job';
import { createJob, type CreateJobDeps } from './create-job';

let deps: CreateJobDeps | undefined;

function loadDeps(env: NodeJS.ProcessEnv): CreateJobDeps {
  const allowedExtensions = listEnv('ALLOWED_EXTENSIONS', env);
  if (allowedExtensions.length === 0) {
    throw new ConfigurationError('Environment variable ALLOWED_EXTENSIONS is not set', { context: { variable: 'ALLOWED_EXTENSIONS' } });
  }
  return {
    sourceBucket: requireEnv('SOURCE_BUCKET', env),
    startJob,
    startDeps: {
      store: new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME', env)),
      s3: s3Client(),
      sfn: sfnClient(),
      stateMachineArn: requireEnv('STATE_MACHINE_ARN', env),
      allowedExtensions,
      keyPrefix: env.SOURCE_KEY_PREFIX ?? '',
      jobTtlDays: ttlDays(env),
    },
  };
}

function ttlDays(env: NodeJS.ProcessEnv): number {
  requireEnv('JOB_TTL_DAYS', env);
  const days = intEnv('JOB_TTL_DAYS', 0, env);
  if (days < 1) throw new ConfigurationError('Environment variable JOB_TTL_DAYS must be at least 1', { context: { variable: 'JOB_TTL_DAYS' } });
  return days;
}

/** Config is read on first use so a bad deployment answers 500 with a logged, named error. */
export const handler = apiHandler('POST /jobs', (event, ctx) => {
  deps ??= loadDeps(process.env);
  return createJob(event, ctx, deps);
});
