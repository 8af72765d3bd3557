import { join } from 'node:path';

/** Where the local run keeps its state, under one folder (default `.local/`). */
export const stateLayout = (stateDir: string) => ({
  s3: join(stateDir, 's3'),
  dynamodb: join(stateDir, 'dynamodb'),
  notifications: join(stateDir, 'notifications.jsonl'),
  /** Every EventBridge PutEvents entry (job events), one JSON object per line. */
  events: join(stateDir, 'events.jsonl'),
  logs: join(stateDir, 'logs'),
  work: join(stateDir, 'work'),
  out: join(stateDir, 'out'),
  /** One JSON file per job (job-journal.ts): what the review page shows. */
  jobs: join(stateDir, 'jobs'),
  /** Held by the `npm run local` that uses the folder (state-lock.ts). */
  lock: join(stateDir, 'run.lock'),
});
