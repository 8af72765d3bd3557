import { OWNER_INDEX_NAME, STATUS_INDEX_NAME } from '../handlers/shared/job';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './account';
import { useFastS3rverWalk } from './s3rver-walk';
import { stateLayout } from './state-layout';

// s3rver and dynalite ship no types; these are the parts of their APIs used here.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  /** The node http.Server, once `run()` has resolved. */
  readonly httpServer?: Server;
}
type S3rverCtor = new (options: {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  configureBuckets: Array<{ name: string; configs: string[] }>;
}) => S3rverInstance;
useFastS3rverWalk(); // before s3rver loads: its store keeps the walk it finds at load
// eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver ships no types; the typed cast is the API used here
const S3rver = require('s3rver') as S3rverCtor;
type Dynalite = (options: { path?: string; createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite ships no types; the typed cast is the API used here
const dynalite = require('dynalite') as Dynalite;

export { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from './account';

export interface StandInOptions {
  /** Folder for all state (s3rver objects, dynalite LevelDB, notifications.jsonl). */
  readonly stateDir: string;
  readonly buckets: readonly string[];
  readonly tableName: string;
}

export interface StandIns {
  readonly s3Endpoint: string;
  readonly dynamodbEndpoint: string;
  readonly snsEndpoint: string;
  /** Every SNS Publish, one JSON object per line. */
  readonly notificationsPath: string;
  readonly eventsEndpoint: string;
  /** Every EventBridge PutEvents entry, one JSON object per line. */
  readonly eventsPath: string;
  stop(): Promise<void>;
}

/**
 * Starts s3rver, dynalite and a minimal SNS Publish endpoint on loopback ports picked by the
 * OS, creates the buckets and the jobs table, and returns their endpoints.
 */
export async function startStandIns(options: StandInOptions): Promise<StandIns> {
  const layout = stateLayout(options.stateDir);
  await mkdir(layout.s3, { recursive: true });
  await mkdir(layout.dynamodb, { recursive: true });

  const s3 = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: layout.s3,
    silent: true,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  const s3Address = await s3.run();
  if (s3.httpServer) keepIdleConnections(s3.httpServer);

  const ddb = dynalite({ path: layout.dynamodb, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await listen(ddb);
  } catch (err) {
    await s3.close();
    throw err;
  }

  const sns = createServer((req, res) => void handleSns(req, res, layout.notifications));
  await listen(sns);
  const events = createServer((req, res) => void handleEvents(req, res, layout.events));
  await listen(events);

  const stop = async () => {
    await Promise.allSettled([s3.close(), close(ddb), close(sns), close(events)]);
  };
  const standIns: StandIns = {
    s3Endpoint: `http://127.0.0.1:${s3Address.port}`,
    dynamodbEndpoint: `http://127.0.0.1:${(ddb.address() as AddressInfo).port}`,
    snsEndpoint: `http://127.0.0.1:${(sns.address() as AddressInfo).port}`,
    notificationsPath: layout.notifications,
    eventsEndpoint: `http://127.0.0.1:${(events.address() as AddressInfo).port}`,
    eventsPath: layout.events,
    stop,
  };
  try {
    await ensureJobsTable(standIns.dynamodbEndpoint, options.tableName);
  } catch (err) {
    await stop();
    throw err;
  }
  return standIns;
}

/**
 * Idle keep-alive connections stay open until the client or `close()` ends them. With Node's
 * default (a server drops a connection after 5 s without a request) a client that reuses its
 * pooled connection just then gets "socket hang up", and the SDK cannot retry a request whose
 * body is a file stream: an upload after a pause of about 5 s failed the transcode. The SDK's
 * agent keeps connections alive and never drops idle ones itself; on loopback nothing else
 * needs the timeout. A keepAliveTimeout of 0 disables it
 * (https://nodejs.org/api/http.html#serverkeepalivetimeout, "server.keepAliveTimeout"), and
 * `server.close()` still ends idle connections (Node 19 and later).
 */
function keepIdleConnections(server: Server): void {
  server.keepAliveTimeout = 0;
}

function listen(server: Server): Promise<void> {
  keepIdleConnections(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The jobs table as stacks/ declares it: pk jobId, GSIs status-createdAt and owner-createdAt (TTL is not supported by dynalite). */
export async function ensureJobsTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  } finally {
    client.destroy();
  }
  const create = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await create.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'jobId', AttributeType: 'S' },
          { AttributeName: 'status', AttributeType: 'S' },
          { AttributeName: 'createdAt', AttributeType: 'S' },
          { AttributeName: 'owner', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: STATUS_INDEX_NAME,
            KeySchema: [
              { AttributeName: 'status', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: OWNER_INDEX_NAME,
            KeySchema: [
              { AttributeName: 'owner', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } finally {
    create.destroy();
  }
}

/** One SNS Publish as the stand-in records it. */
export interface LocalNotification {
  readonly receivedAt: string;
  readonly messageId: string;
  readonly topicArn?: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageAttributes?: Record<string, string>;
}

/**
 * SNS speaks the AWS Query protocol: a form-encoded POST with Action=Publish, answered in
 * XML. Only Publish is implemented; anything else gets a 400 the SDK turns into an error.
 */
async function handleSns(req: IncomingMessage, res: ServerResponse, logPath: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const requestId = randomUUID();
  if (form.get('Action') !== 'Publish') {
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>The local SNS stand-in only implements Publish</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
    return;
  }
  const attributes: Record<string, string> = {};
  for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
    attributes[form.get(`MessageAttributes.entry.${i}.Name`)!] = form.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
  }
  const messageId = randomUUID();
  const record: LocalNotification = {
    receivedAt: new Date().toISOString(),
    messageId,
    ...(form.get('TopicArn') !== null ? { topicArn: form.get('TopicArn')! } : {}),
    ...(form.get('Subject') !== null ? { subject: form.get('Subject')! } : {}),
    message: form.get('Message') ?? '',
    ...(Object.keys(attributes).length > 0 ? { messageAttributes: attributes } : {}),
  };
  await appendFile(logPath, `${JSON.stringify(record)}\n`);
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(
    `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
  );
}

/** One PutEvents entry as the stand-in records it (the detail parsed). */
export interface LocalEvent {
  readonly receivedAt: string;
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly eventBusName?: string;
  readonly detail: unknown;
}

/**
 * EventBridge speaks JSON 1.1: a POST with `X-Amz-Target: AWSEvents.PutEvents` and a JSON body.
 * Only PutEvents is implemented; every entry is accepted and appended to the log.
 */
async function handleEvents(req: IncomingMessage, res: ServerResponse, logPath: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() };
  if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
    res.writeHead(400, headers);
    res.end(JSON.stringify({ __type: 'UnknownOperationException', message: 'The local EventBridge stand-in only implements PutEvents' }));
    return;
  }
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: { Source?: string; DetailType?: string; Detail?: string; EventBusName?: string }[] };
  const entries = (body.Entries ?? []).map((e) => ({
    receivedAt: new Date().toISOString(),
    eventId: randomUUID(),
    source: e.Source ?? '',
    detailType: e.DetailType ?? '',
    ...(e.EventBusName !== undefined ? { eventBusName: e.EventBusName } : {}),
    detail: JSON.parse(e.Detail ?? 'null') as unknown,
  }));
  await appendFile(logPath, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
  res.writeHead(200, headers);
  res.end(JSON.stringify({ FailedEntryCount: 0, Entries: entries.map((e) => ({ EventId: e.eventId })) }));
}
