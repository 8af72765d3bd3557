import { ConfigurationError, Forbidden } from './errors';
import type { ApiEvent } from './http';
import { ownerIdOf } from './owner';
import { nonEmptyString } from './schemas';
import * as z from './zod';

/**
 * The caller of an API route, taken from the authorizer context API Gateway puts on the event
 * (never from the body, headers or query): the JWT authorizer's validated claims, or the SigV4
 * caller's principal under AWS_IAM. Payload format 2.0 carries them at
 * `requestContext.authorizer.jwt.{claims,scopes}` and `requestContext.authorizer.iam.userArn`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html,
 * "Create AWS Lambda proxy integrations for HTTP APIs in API Gateway").
 */
export interface Caller {
  /** How API Gateway authenticated the request. */
  readonly kind: 'jwt' | 'iam';
  /** Normalised identity: `jwt|<iss>|<sub>` or an IAM user / role ARN (sessions folded into their role). */
  readonly principal: string;
  /** ownerIdOf(principal): what the caller's jobs and uploads are stored under. */
  readonly owner: string;
  /** The admin scope (JWT) or a principal listed in API_ADMIN_PRINCIPALS (AWS_IAM). */
  readonly admin: boolean;
}

export interface AccessConfig {
  /** JWT scope that makes a caller an admin (`api_jwt_admin_scope`). */
  readonly adminScope: string;
  /** IAM principals that are admins: role or user ARNs, or role names of the API's account (`api_admin_principals`). */
  readonly adminPrincipals: readonly string[];
}

export const DEFAULT_ADMIN_SCOPE = 'video/admin';

/** API_ADMIN_SCOPE (default video/admin) and API_ADMIN_PRINCIPALS (comma-separated, may be empty). */
export function accessConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AccessConfig {
  const adminScope = (env.API_ADMIN_SCOPE ?? DEFAULT_ADMIN_SCOPE).trim();
  if (adminScope === '' || /\s/.test(adminScope)) {
    throw new ConfigurationError('Environment variable API_ADMIN_SCOPE must be one scope without spaces', { context: { variable: 'API_ADMIN_SCOPE' } });
  }
  const adminPrincipals = (env.API_ADMIN_PRINCIPALS ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
  return { adminScope, adminPrincipals };
}

const JwtContext = z.object({
  jwt: z.object({
    claims: z.record(z.string(), z.unknown()),
    scopes: z.nullish(z.array(z.string())),
  }),
});
const IamContext = z.object({
  iam: z.object({ userArn: nonEmptyString(), accountId: z.optional(z.string()) }),
});

const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/**
 * One role is one owner: `arn:aws:sts::<acct>:assumed-role/<role>/<session>` and
 * `arn:aws:iam::<acct>:role/<path>/<role>` both become `arn:aws:iam::<acct>:role/<role>`
 * (an assumed-role ARN carries no path, so the path is dropped on both sides). Users and other
 * principals are kept as they are.
 */
export function normalisePrincipalArn(arn: string): string {
  const assumed = ASSUMED_ROLE.exec(arn);
  if (assumed) return `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
  const role = ROLE_ARN.exec(arn);
  if (role) return `arn:${role[1]}:iam::${role[2]}:role/${role[3]}`;
  return arn;
}

function scopesOf(claims: Record<string, unknown>, scopes: readonly string[] | null | undefined): string[] {
  if (scopes && scopes.length > 0) return [...scopes];
  // API Gateway fills `scopes` from the `scope` / `scp` claim; hand-built events may carry only the claim.
  const raw = claims.scope ?? claims.scp;
  if (typeof raw === 'string') return raw.split(' ').filter((s) => s !== '');
  return Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
}

function isAdminPrincipal(principal: string, callerAccount: string | undefined, apiAccount: string | undefined, admins: readonly string[]): boolean {
  const roleName = ROLE_ARN.exec(principal)?.[3];
  return admins.some((entry) => {
    if (entry.startsWith('arn:')) return normalisePrincipalArn(entry) === principal;
    // A bare role name means that role of the API's own account only.
    return roleName !== undefined && entry === roleName && callerAccount !== undefined && callerAccount === apiAccount;
  });
}

/** The caller of `event`; a request without an authorizer identity is refused (403), never served as someone. */
export function callerOf(event: ApiEvent, config: AccessConfig): Caller {
  const authorizer = (event.requestContext as { authorizer?: unknown }).authorizer;
  const jwt = JwtContext.safeParse(authorizer);
  if (jwt.success) {
    const { claims, scopes } = jwt.data.jwt;
    const iss = claims.iss;
    const sub = claims.sub;
    if (typeof iss !== 'string' || iss === '' || typeof sub !== 'string' || sub === '') {
      throw new Forbidden('the token carries no issuer and subject (iss, sub)', { context: { kind: 'jwt' } });
    }
    const principal = `jwt|${iss}|${sub}`;
    return { kind: 'jwt', principal, owner: ownerIdOf(principal), admin: scopesOf(claims, scopes).includes(config.adminScope) };
  }
  const iam = IamContext.safeParse(authorizer);
  if (iam.success) {
    const principal = normalisePrincipalArn(iam.data.iam.userArn);
    const admin = isAdminPrincipal(principal, iam.data.iam.accountId, event.requestContext.accountId, config.adminPrincipals);
    return { kind: 'iam', principal, owner: ownerIdOf(principal), admin };
  }
  throw new Forbidden('the request carries no caller identity (JWT or AWS_IAM authorizer)', { context: {} });
}
