import { requireEnv } from '../shared/config';
import { documentClient } from '../shared/clients';
import { apiHandler } from '../shared/http';
import { DynamoJobStore } from '../shared/job-store';
import { getJob } from './get-job';

let store: DynamoJobStore | undefined;

export const handler = apiHandler('GET /jobs/{jobId}', (event, ctx) => {
  store ??= new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME'));
  return getJob(event, ctx, store);
});
