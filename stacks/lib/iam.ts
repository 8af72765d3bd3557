/** IAM policy documents as plain data, rendered with JSON.stringify (cdktf resolves tokens in strings). */
export interface Statement {
  readonly Sid?: string;
  readonly Effect?: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export function policyDocument(statements: readonly Statement[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({ Effect: 'Allow', ...s })),
  });
}

/** A statement on customer-managed keys, or none when the environment uses AWS-managed keys. */
export function keyStatements(sid: string, actions: readonly string[], keyArns: readonly string[]): Statement[] {
  return keyArns.length ? [{ Sid: sid, Action: actions, Resource: keyArns }] : [];
}

/** Trust policy for a service role, with confused-deputy conditions where the service supports them. */
export function assumeRolePolicy(service: string, condition?: Statement['Condition']): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });
}

/** Denies every request to the bucket that does not use TLS. */
export function tlsOnlyStatement(bucketArn: string): Statement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}
