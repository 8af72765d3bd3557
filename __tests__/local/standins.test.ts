import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { createReadStream } from 'node:fs';
import { Agent, get, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startStandIns, type StandIns } from '../../local/standins';

describe('stand-ins (s3rver, dynalite, local SNS) with SDK v3 clients', () => {
  let dir: string;
  let standIns: StandIns;
  const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'standins-'));
    standIns = await startStandIns({ stateDir: join(dir, 'state'), buckets: ['src', 'out'], tableName: 'jobs-table' });
  });

  afterAll(async () => {
    await standIns.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on loopback ports chosen at start', () => {
    // Assess
    for (const endpoint of [standIns.s3Endpoint, standIns.dynamodbEndpoint, standIns.snsEndpoint]) {
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it('keeps idle keep-alive connections open: no stand-in announces a timeout after which it would close them', async () => {
    // Prepare: Node's default (5 s) is announced as `Keep-Alive: timeout=5`; a client reusing a
    // connection just as the server drops it gets "socket hang up" (the SDK cannot retry a file stream).
    const agent = new Agent({ keepAlive: true });
    const headersOf = (endpoint: string) =>
      new Promise<IncomingHttpHeaders>((resolve, reject) => {
        get(`${endpoint}/`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers));
        }).on('error', reject);
      });

    // Act
    const headers = await Promise.all([standIns.s3Endpoint, standIns.dynamodbEndpoint, standIns.snsEndpoint, standIns.eventsEndpoint].map(headersOf));
    agent.destroy();

    // Assess
    for (const h of headers) {
      expect(h.connection).toBe('keep-alive');
      expect(h['keep-alive']).toBeUndefined();
    }
  });

  it('stores a streamed upload byte for byte when checksums are computed only when required', async () => {
    // Prepare: a streamed body is what makes the SDK's default (WHEN_SUPPORTED) send aws-chunked framing.
    const s3 = new S3Client({ ...config, endpoint: standIns.s3Endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    const body = Buffer.alloc(70_000, 7);
    const path = join(dir, 'body.bin');
    await writeFile(path, body);

    // Act
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'uploads/a.bin', Body: createReadStream(path), ContentLength: body.length }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'uploads/a.bin' }));
    const range = await s3.send(new GetObjectCommand({ Bucket: 'src', Key: 'uploads/a.bin', Range: 'bytes=10-19' }));

    // Assess
    expect(head.ContentLength).toBe(body.length);
    expect(Buffer.from(await range.Body!.transformToByteArray())).toEqual(body.subarray(10, 20));
    s3.destroy();
  });

  it('creates the jobs table with jobId as key and the status-createdAt and owner-createdAt indexes', async () => {
    // Prepare
    const ddb = new DynamoDBClient({ ...config, endpoint: standIns.dynamodbEndpoint });

    // Act
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'jobs-table' }));

    // Assess
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'jobId', KeyType: 'HASH' }]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema])).toEqual([
      ['status-createdAt', [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }]],
      ['owner-createdAt', [{ AttributeName: 'owner', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }]],
    ]);
    ddb.destroy();
  });

  it('appends every SNS Publish to notifications.jsonl and answers with a MessageId', async () => {
    // Prepare
    const sns = new SNSClient({ ...config, endpoint: standIns.snsEndpoint });

    // Act
    const out = await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:topic', Subject: 'Video job failed', Message: '{"event":"JOB_FAILED"}' }));

    // Assess
    const lines = (await readFile(standIns.notificationsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ messageId: out.MessageId, topicArn: 'arn:aws:sns:us-east-1:000000000000:topic', subject: 'Video job failed', message: '{"event":"JOB_FAILED"}' }),
    ]);
    sns.destroy();
  });

  it('appends every EventBridge PutEvents entry to events.jsonl (what a job-event rule would receive)', async () => {
    // Prepare
    const events = new EventBridgeClient({ ...config, endpoint: standIns.eventsEndpoint });

    // Act
    const out = await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'video-workflow.local', DetailType: 'Video Job Completed', EventBusName: 'default', Detail: '{"jobId":"j1","status":"COMPLETED"}' }] }),
    );

    // Assess
    expect(out.FailedEntryCount).toBe(0);
    const lines = (await readFile(standIns.eventsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ eventId: out.Entries?.[0]?.EventId, source: 'video-workflow.local', detailType: 'Video Job Completed', detail: { jobId: 'j1', status: 'COMPLETED' } }),
    ]);
    events.destroy();
  });
});
