/**
 * The local run's account, region and credentials, in a module of their own: the CLI needs them
 * (through environment.ts) but must not load the stand-ins (s3rver, dynalite and the DynamoDB
 * client), which only the engine process runs.
 */

/** Dummy credentials: s3rver accepts S3RVER/S3RVER, dynalite accepts anything. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
