import { requireEnv } from '../shared/config';
import { documentClient } from '../shared/clients';
import { apiHandler } from '../shared/http';
import { DynamoJobStore } from '../shared/job-store';
import { deliverySettings } from '../shared/playback';
import { unsignedView } from '../shared/public-job';
import { listJobs } from './list-jobs';

let store: DynamoJobStore | undefined;

export const handler = apiHandler('GET /jobs', (event, ctx) => {
  store ??= new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME'));
  return listJobs(event, ctx, store, unsignedView(deliverySettings()));
});
