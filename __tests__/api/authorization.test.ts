/**
 * The authorization table of SECURITY.md / docs/api.md, row by row, through the real API
 * handlers: two owners (alice, bob) and an admin, once as JWT callers (claims and scopes in the
 * authorizer context) and once as AWS_IAM callers (principal ARNs). API Gateway's own part
 * (missing scope -> 403 before the handler) is asserted on the route config in
 * __tests__/stacks/compute.test.ts and with `terraform test`.
 */
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as createJob } from '../../handlers/create-job';
import { handler as createUpload } from '../../handlers/create-upload';
import { handler as getJob } from '../../handlers/get-job';
import { handler as listJobs } from '../../handlers/list-jobs';
import { normalisePrincipalArn } from '../../handlers/shared/caller';
import type { JobRecord } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import { ownerIdOf } from '../../handlers/shared/owner';
import {
  API_ACCOUNT,
  ISSUER,
  bodyOf,
  getJobEvent,
  iamCaller,
  jwtCaller,
  listJobsEvent,
  postJobs,
  postUploads,
  type CallerFixture,
} from '../fixtures/api-events';
import { FakeJobsTable, FakeLimitsTables, limitsEnv } from '../helpers/jobs-table';
import { HANDLER_ENV } from '../helpers/real-workflow';
import { FakeStateMachine } from './fake-aws';

const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let table: FakeJobsTable;
let machine: FakeStateMachine;

const READ = 'video/jobs.read';
const WRITE = 'video/jobs.write';
const ADMIN_SCOPE = 'video/admin';

interface Cast {
  readonly alice: CallerFixture;
  readonly bob: CallerFixture;
  readonly admin: CallerFixture;
  /** The owner ids the handlers must derive from those identities. */
  readonly owners: { readonly alice: string; readonly bob: string; readonly admin: string };
}

const JWT: Cast = {
  alice: jwtCaller('alice', READ, WRITE),
  bob: jwtCaller('bob', READ, WRITE),
  admin: jwtCaller('ops-1', READ, WRITE, ADMIN_SCOPE),
  owners: {
    alice: ownerIdOf(`jwt|${ISSUER}|alice`),
    bob: ownerIdOf(`jwt|${ISSUER}|bob`),
    admin: ownerIdOf(`jwt|${ISSUER}|ops-1`),
  },
};

// alice: an application role (assumed-role sessions); bob: an IAM user; admin: a role listed by name in API_ADMIN_PRINCIPALS.
const IAM: Cast = {
  alice: iamCaller(`arn:aws:sts::${API_ACCOUNT}:assumed-role/alice-app/session-1`),
  bob: iamCaller(`arn:aws:iam::${API_ACCOUNT}:user/bob`),
  admin: iamCaller(`arn:aws:sts::${API_ACCOUNT}:assumed-role/video-admin/ops-session`),
  owners: {
    alice: ownerIdOf(`arn:aws:iam::${API_ACCOUNT}:role/alice-app`),
    bob: ownerIdOf(`arn:aws:iam::${API_ACCOUNT}:user/bob`),
    admin: ownerIdOf(`arn:aws:iam::${API_ACCOUNT}:role/video-admin`),
  },
};

const ETAG = '9b2cf535f27731c974343645a3985328';
let seq = 0;

/** An upload key of `owner`, as POST /uploads hands them out. */
const uploadKey = (owner: string, name = 'clip.mp4') => `uploads/${owner}/00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}/${name}`;

function seedJob(owner: string, n: number, status: JobRecord['status'] = 'COMPLETED'): JobRecord {
  const createdAt = new Date(Date.UTC(2026, 10, 29, 10, n)).toISOString();
  const record: JobRecord = {
    jobId: (n + (owner.length % 7) * 1000 + owner.charCodeAt(owner.length - 1) * 100000).toString(16).padStart(32, '0'),
    status,
    trigger: 'api',
    owner,
    source: { bucket: HANDLER_ENV.SOURCE_BUCKET, key: uploadKey(owner), etag: ETAG, size: 1000 + n },
    createdAt,
    updatedAt: createdAt,
  };
  table.put(record);
  return record;
}

const ids = (res: APIGatewayProxyStructuredResultV2): string[] => bodyOf(res).items.map((i: { jobId: string }) => i.jobId);

/** Walks every page of GET /jobs for `caller`; returns the job ids in order. */
async function listAll(caller: CallerFixture, query: Record<string, string>): Promise<{ ids: string[]; pages: number }> {
  const all: string[] = [];
  let next: string | undefined;
  let pages = 0;
  do {
    const res = await listJobs(listJobsEvent({ ...query, ...(next === undefined ? {} : { next }) }, { caller }));
    expect(res.statusCode).toBe(200);
    all.push(...ids(res));
    next = bodyOf(res).next;
    pages += 1;
  } while (next !== undefined);
  return { ids: all, pages };
}

beforeAll(() => {
  Object.assign(process.env, HANDLER_ENV, limitsEnv(1000), {
    API_ADMIN_PRINCIPALS: 'video-admin',
    // Presigning is local computation; these only feed the signature.
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  });
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3.reset();
  ddb.reset();
  sfn.reset();
  table = new FakeJobsTable(ddb, new FakeLimitsTables());
  machine = new FakeStateMachine(sfn);
  s3.on(HeadObjectCommand).resolves({ ContentLength: 1_048_576, ETag: `"${ETAG}"`, VersionId: 'v1' });
});

describe.each([
  ['JWT', JWT],
  ['AWS_IAM', IAM],
] as const)('authorization table (%s callers)', (_mode, cast) => {
  const { alice, bob, admin, owners } = cast;

  describe('POST /uploads', () => {
    it("keys each caller's upload under the caller's own owner id and records the reservation for that owner", async () => {
      // Act
      const a = await createUpload(postUploads({ filename: 'a.mp4', contentType: 'video/mp4', size: 2048 }, { caller: alice }));
      const b = await createUpload(postUploads({ filename: 'b.mp4', contentType: 'video/mp4', size: 2048 }, { caller: bob }));

      // Assess
      expect(a.statusCode).toBe(201);
      expect(bodyOf(a).key).toMatch(new RegExp(`^uploads/${owners.alice}/[0-9a-f-]{36}/a\\.mp4$`));
      expect(bodyOf(b).key).toMatch(new RegExp(`^uploads/${owners.bob}/[0-9a-f-]{36}/b\\.mp4$`));
      expect(owners.alice).not.toBe(owners.bob);
      expect(table.limits?.uploads.get(bodyOf(a).key)).toMatchObject({ owner: owners.alice, size: 2048, contentType: 'video/mp4' });
    });

    it('rejects an owner field in the body (400, unknown field)', async () => {
      // Act
      const res = await createUpload(postUploads({ filename: 'a.mp4', contentType: 'video/mp4', size: 2048, owner: owners.bob }, { caller: alice }));

      // Assess
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res).error).toEqual({ code: 'INVALID_REQUEST', message: 'owner: unknown field', field: 'owner' });
    });
  });

  describe('POST /jobs', () => {
    it("starts a key under the caller's own prefix; the job belongs to the caller", async () => {
      // Prepare
      const key = uploadKey(owners.alice);

      // Act
      const res = await createJob(postJobs({ key }, { caller: alice }));

      // Assess
      expect(res.statusCode).toBe(202);
      const job = table.get(bodyOf(res).jobId)!;
      expect(job).toMatchObject({ owner: owners.alice, trigger: 'api', source: { key } });
      expect(job.requestedBy).toBeDefined();
      expect(machine.executions.size).toBe(1);
    });

    it.each([
      ["another owner's upload key", (o: Cast['owners']) => uploadKey(o.bob)],
      ['a key outside uploads/ (a direct bucket write)', () => 'ingest/batch-7/clip.mp4'],
      ['a key that only starts like the own prefix', (o: Cast['owners']) => `uploads/${o.alice}x/clip.mp4`],
    ])("answers %s with the same 404 as a missing object, without asking S3", async (_name, keyOf) => {
      // Prepare
      s3.on(HeadObjectCommand, { Key: 'uploads/missing.mp4' }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
      const missing = await createJob(postJobs({ key: 'uploads/missing.mp4' }, { caller: admin }));
      s3.resetHistory();

      // Act
      const res = await createJob(postJobs({ key: keyOf(owners) }, { caller: alice }));

      // Assess
      expect(res.statusCode).toBe(404);
      expect(bodyOf(res).error).toEqual(bodyOf(missing).error);
      expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
      expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    });

    it('rejects an owner field in the body (400, unknown field)', async () => {
      // Act
      const res = await createJob(postJobs({ key: uploadKey(owners.alice), owner: owners.bob }, { caller: alice }));

      // Assess
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res).error).toEqual({ code: 'INVALID_REQUEST', message: 'owner: unknown field', field: 'owner' });
    });

    it('refuses force without the admin scope or principal (403 naming force), even on the own key', async () => {
      // Act
      const res = await createJob(postJobs({ key: uploadKey(owners.alice), force: true }, { caller: alice }));

      // Assess
      expect(res.statusCode).toBe(403);
      expect(bodyOf(res).error).toEqual({
        code: 'FORBIDDEN',
        message: 'force: re-running a job requires the admin scope (video/admin) or an admin principal',
        field: 'force',
      });
      expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    });

    it("lets an admin start another owner's key (the job stays that owner's) and a system key", async () => {
      // Act
      const forBob = await createJob(postJobs({ key: uploadKey(owners.bob) }, { caller: admin }));
      const system = await createJob(postJobs({ key: 'uploads/seed/batch-1.mp4' }, { caller: admin }));

      // Assess
      expect([forBob.statusCode, system.statusCode]).toEqual([202, 202]);
      expect(table.get(bodyOf(forBob).jobId)?.owner).toBe(owners.bob);
      expect(table.get(bodyOf(system).jobId)?.owner).toBe('system');
    });

    it('lets an admin force a re-run once the first run has finished (a new job, a second execution)', async () => {
      // Prepare
      const key = uploadKey(owners.alice);
      const first = bodyOf(await createJob(postJobs({ key }, { caller: alice }))).jobId as string;
      table.table.transition(first, 'PROCESSING', {}, 'test');
      table.table.transition(first, 'COMPLETED', {}, 'test');

      // Act
      const res = await createJob(postJobs({ key, force: true }, { caller: admin }));

      // Assess
      expect(res.statusCode).toBe(202);
      expect(bodyOf(res).jobId).not.toBe(first);
      expect(table.get(bodyOf(res).jobId)?.owner).toBe(owners.alice);
      expect(machine.executions.size).toBe(2);
    });

    it('returns the existing job when the same key and version is posted again without force', async () => {
      // Prepare
      const key = uploadKey(owners.alice);
      const first = await createJob(postJobs({ key }, { caller: alice }));

      // Act
      const again = await createJob(postJobs({ key }, { caller: alice }));

      // Assess
      expect(again.statusCode).toBe(200);
      expect(bodyOf(again)).toMatchObject({ jobId: bodyOf(first).jobId, owner: owners.alice });
      expect(machine.executions.size).toBe(1);
    });
  });

  describe('GET /jobs/{jobId}', () => {
    it("shows the owner its job, answers another owner's id with the missing-job 404, and shows the admin every job", async () => {
      // Prepare
      const aliceJob = seedJob(owners.alice, 1);
      const missingId = 'f'.repeat(32);

      // Act
      const own = await getJob(getJobEvent(aliceJob.jobId, { caller: alice }));
      const foreign = await getJob(getJobEvent(aliceJob.jobId, { caller: bob }));
      const missing = await getJob(getJobEvent(missingId, { caller: bob }));
      const asAdmin = await getJob(getJobEvent(aliceJob.jobId, { caller: admin }));

      // Assess
      expect(own.statusCode).toBe(200);
      expect(bodyOf(own)).toMatchObject({ jobId: aliceJob.jobId, owner: owners.alice });
      expect(foreign.statusCode).toBe(404);
      // No existence oracle: the same code and message shape as an id nobody has.
      expect(bodyOf(foreign).error).toEqual({ code: 'NOT_FOUND', message: `jobId: no job with id ${aliceJob.jobId}`, field: 'jobId' });
      expect(bodyOf(missing).error).toEqual({ code: 'NOT_FOUND', message: `jobId: no job with id ${missingId}`, field: 'jobId' });
      expect(asAdmin.statusCode).toBe(200);
      expect(JSON.stringify(bodyOf(own))).not.toMatch(/arn:aws|alice-app|jwt\|/);
    });
  });

  describe('GET /jobs', () => {
    it("lists only the caller's own jobs, across pages, from the owner index", async () => {
      // Prepare: interleaved creation times, so a filter over a shared index would mix them.
      const aliceIds = [1, 3, 5, 7, 9].map((n) => seedJob(owners.alice, n).jobId);
      const bobIds = [2, 4, 6, 8, 10].map((n) => seedJob(owners.bob, n).jobId);

      // Act
      const a = await listAll(alice, { limit: '2' });
      const b = await listAll(bob, { limit: '2' });

      // Assess
      expect(a.ids).toEqual([...aliceIds].reverse());
      expect(b.ids).toEqual([...bobIds].reverse());
      expect(a.pages).toBe(3);
      const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(queries.every((q) => q.IndexName === 'owner-createdAt' && q.KeyConditionExpression === '#owner = :owner')).toBe(true);
      expect(queries.filter((q) => q.ExpressionAttributeValues?.[':owner'] === owners.alice)).toHaveLength(3);
    });

    it("keeps the status filter inside the caller's partition", async () => {
      // Prepare
      const done = seedJob(owners.alice, 1, 'COMPLETED').jobId;
      seedJob(owners.alice, 2, 'FAILED');
      seedJob(owners.bob, 3, 'COMPLETED');

      // Act
      const res = await listAll(alice, { status: 'COMPLETED', limit: '1' });

      // Assess
      expect(res.ids).toEqual([done]);
      expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
        IndexName: 'owner-createdAt',
        FilterExpression: '#status = :status',
        ExpressionAttributeValues: { ':owner': owners.alice, ':status': 'COMPLETED' },
      });
    });

    it("rejects another caller's page token with a 400 naming next, without querying", async () => {
      // Prepare
      [1, 2, 3].forEach((n) => seedJob(owners.alice, n));
      [4, 5].forEach((n) => seedJob(owners.bob, n));
      const bobPage = bodyOf(await listJobs(listJobsEvent({ limit: '1' }, { caller: bob }))).next as string;
      ddb.resetHistory();

      // Act
      const res = await listJobs(listJobsEvent({ limit: '1', next: bobPage }, { caller: alice }));

      // Assess
      expect(bobPage).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res).error).toEqual({ code: 'INVALID_REQUEST', message: 'next: was issued to another caller', field: 'next' });
      expect(ddb).not.toHaveReceivedCommand(QueryCommand);
    });

    it("answers 403 naming owner when a non-admin asks for another owner's jobs", async () => {
      // Act
      const res = await listJobs(listJobsEvent({ owner: owners.bob }, { caller: alice }));

      // Assess
      expect(res.statusCode).toBe(403);
      expect(bodyOf(res).error).toMatchObject({ code: 'FORBIDDEN', field: 'owner' });
      expect(ddb).not.toHaveReceivedCommand(QueryCommand);
    });

    it("lets an admin list one owner's jobs, or every owner's jobs of one status (status index)", async () => {
      // Prepare
      const aliceJob = seedJob(owners.alice, 1).jobId;
      const bobJob = seedJob(owners.bob, 2).jobId;

      // Act
      const bobs = await listAll(admin, { owner: owners.bob });
      const all = await listAll(admin, { status: 'COMPLETED', limit: '1' });

      // Assess
      expect(bobs.ids).toEqual([bobJob]);
      expect(all.ids).toEqual([bobJob, aliceJob]);
      expect(ddb).toHaveReceivedCommandWith(QueryCommand, { IndexName: 'status-createdAt', ExpressionAttributeValues: { ':status': 'COMPLETED' } });
    });
  });
});

describe('caller identity', () => {
  it('refuses a request that carries no authorizer identity (403)', async () => {
    // Act
    const res = await listJobs(listJobsEvent({}, { caller: 'none' }));

    // Assess
    expect(res.statusCode).toBe(403);
    expect(bodyOf(res).error.code).toBe('FORBIDDEN');
  });

  it('refuses a JWT without a subject (403)', async () => {
    // Act
    const res = await listJobs(listJobsEvent({}, { caller: { jwt: { iss: ISSUER, sub: '', scopes: [READ] } } }));

    // Assess
    expect(res.statusCode).toBe(403);
  });

  it('folds every session of one role into one owner, and a role path into the role', () => {
    // Act / Assess
    expect(normalisePrincipalArn(`arn:aws:sts::${API_ACCOUNT}:assumed-role/app/s1`)).toBe(`arn:aws:iam::${API_ACCOUNT}:role/app`);
    expect(normalisePrincipalArn(`arn:aws:sts::${API_ACCOUNT}:assumed-role/app/s2`)).toBe(`arn:aws:iam::${API_ACCOUNT}:role/app`);
    expect(normalisePrincipalArn(`arn:aws:iam::${API_ACCOUNT}:role/teams/app`)).toBe(`arn:aws:iam::${API_ACCOUNT}:role/app`);
    expect(normalisePrincipalArn(`arn:aws:iam::${API_ACCOUNT}:user/bob`)).toBe(`arn:aws:iam::${API_ACCOUNT}:user/bob`);
  });

  it('sees the same jobs from two sessions of one role', async () => {
    // Prepare
    const owner = ownerIdOf(`arn:aws:iam::${API_ACCOUNT}:role/alice-app`);
    const job = seedJob(owner, 1).jobId;

    // Act
    const res = await getJob(getJobEvent(job, { caller: iamCaller(`arn:aws:sts::${API_ACCOUNT}:assumed-role/alice-app/another-session`) }));

    // Assess
    expect(res.statusCode).toBe(200);
  });

  it('treats a listed role name as admin in the API account only', async () => {
    // Prepare
    const foreignAdmin = iamCaller('arn:aws:sts::210987654321:assumed-role/video-admin/x', '210987654321');

    // Act
    const res = await createJob(postJobs({ key: uploadKey(JWT.owners.alice), force: true }, { caller: foreignAdmin }));

    // Assess
    expect(res.statusCode).toBe(403);
  });

  it('never makes a JWT an admin through a claim other than the scope', async () => {
    // Prepare: "admin" in groups or in the subject is not the admin scope.
    const event = postJobs({ key: uploadKey(JWT.owners.alice), force: true }, { caller: jwtCaller('video/admin', READ, WRITE) });

    // Act
    const res = await createJob(event);

    // Assess
    expect(res.statusCode).toBe(403);
  });
});
