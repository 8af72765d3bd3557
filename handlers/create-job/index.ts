import { accessConfigFromEnv } from '../shared/caller';
import { requireEnv } from '../shared/config';
import { apiHandler } from '../shared/http';
import { startJob, startJobDepsFromEnv } from '../shared/start-job';
import { createJob, type CreateJobDeps } from './create-job';

let deps: CreateJobDeps | undefined;

function loadDeps(env: NodeJS.ProcessEnv): CreateJobDeps {
  return { sourceBucket: requireEnv('SOURCE_BUCKET', env), startJob, startDeps: startJobDepsFromEnv(env), access: accessConfigFromEnv(env) };
}

/** Config is read on first use so a bad deployment answers 500 with a logged, named error. */
export const handler = apiHandler('POST /jobs', (event, ctx) => {
  deps ??= loadDeps(process.env);
  return createJob(event, ctx, deps);
});
