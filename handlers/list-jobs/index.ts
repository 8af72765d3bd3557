import { accessConfigFromEnv, type AccessConfig } from '../shared/caller';
import { requireEnv } from '../shared/config';
import { documentClient } from '../shared/clients';
import { apiHandler } from '../shared/http';
import { DynamoJobStore } from '../shared/job-store';
import { listJobs } from './list-jobs';

let deps: { store: DynamoJobStore; access: AccessConfig } | undefined;

export const handler = apiHandler('GET /jobs', (event, ctx) => {
  deps ??= { store: new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME')), access: accessConfigFromEnv() };
  return listJobs(event, ctx, deps.store, deps.access);
});
