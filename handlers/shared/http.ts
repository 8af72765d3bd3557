import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  errorName,
  Forbidden,
  InvalidRequest,
  JobAlreadyRunning,
  InvalidSourceKey,
  JobNotFound,
  ObjectNotFound,
  PayloadTooLarge,
  PlaybackSigningFailed,
  QuotaExceeded,
  UnsupportedMedia,
  UploadAlreadyUsed,
  UploadTooLarge,
  UnknownProfile,
  ProfileNotAllowed,
  InvalidJobMetadata,
  WorkflowError,
} from './errors';
import { logger, type LogSink } from './logger';
import { describeIssues, issueEntries } from './schemas';
import type * as z from './zod';

/**
 * Helpers shared by the HTTP API handlers (API Gateway v2 HTTP API, Lambda proxy integration,
 * payload format 2.0): body parsing with a size limit, zod validation whose messages name the
 * field, one JSON error shape, and the request id on every response and log line.
 */

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** Request bodies are a few small fields; anything larger is a mistake or abuse. */
export const MAX_BODY_BYTES = 4096;

/** What a route core returns; the adapter adds the request id and serialises it. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Per-request facts the route cores need. */
export interface RequestContext {
  readonly requestId: string;
  readonly log: LogSink;
  /** Adds correlation keys (e.g. jobId) to every later log line of this request. */
  readonly appendKeys: (keys: Record<string, string>) => void;
}

/** The error body every route uses: `{ error: { code, message, field? }, requestId }`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
  readonly requestId: string;
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** API Gateway always sets requestContext.requestId; the fallback only covers hand-made events. */
export function requestIdOf(event: ApiEvent): string {
  const id = event.requestContext?.requestId;
  return typeof id === 'string' && id.length > 0 ? id : randomUUID();
}

export function jsonResponse(
  statusCode: number,
  body: Record<string, unknown>,
  requestId: string,
  headers: Readonly<Record<string, string>> = {},
): ApiResult {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...headers, 'x-request-id': requestId },
    body: JSON.stringify({ ...body, requestId }),
  };
}

/**
 * Decodes the body (base64 when API Gateway says so), enforces the size limit on the raw bytes
 * and parses JSON. Missing, empty, oversized and non-JSON bodies are named 4xx errors.
 */
export function readJsonBody(event: ApiEvent, maxBytes: number = MAX_BODY_BYTES): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new InvalidRequest('body: a JSON request body is required', { context: { field: 'body' } });
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > maxBytes) {
    throw new PayloadTooLarge(`body: request body is ${raw.byteLength} bytes; the limit is ${maxBytes} bytes`, {
      context: { field: 'body', limitBytes: maxBytes, sizeBytes: raw.byteLength },
    });
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new InvalidRequest('body: request body is not valid JSON', { context: { field: 'body' } });
  }
}

/**
 * Per-parse zod messages: say "is required" instead of "expected string, received undefined".
 * Messages set on a schema itself take precedence over these.
 */
const apiErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}`;
  }
  if (issue.code === 'unrecognized_keys') return 'unknown field';
  return undefined;
};

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Validates `input` against `schema`; failures become InvalidRequest naming the field. */
export function parseWith<S extends z.ZodMiniType>(schema: S, input: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  const result = schema.safeParse(input, { error: apiErrorMap });
  if (result.success) return result.data;
  const field = issueEntries(result.error.issues, where)[0]?.field ?? where;
  throw new InvalidRequest(describeIssues(result.error, where).join('; '), { context: { field, where } });
}

interface Mapped {
  readonly statusCode: number;
  readonly code: string;
  /** Our own messages are safe to show; anything else is replaced by a generic one. */
  readonly expose: boolean;
}

function mapError(err: unknown): Mapped {
  if (err instanceof InvalidRequest) return { statusCode: 400, code: 'INVALID_REQUEST', expose: true };
  if (err instanceof PayloadTooLarge) return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', expose: true };
  if (err instanceof UploadTooLarge) return { statusCode: 422, code: 'UPLOAD_TOO_LARGE', expose: true };
  if (err instanceof UnknownProfile) return { statusCode: 400, code: 'UNKNOWN_PROFILE', expose: true };
  if (err instanceof ProfileNotAllowed) return { statusCode: 400, code: 'PROFILE_NOT_ALLOWED', expose: true };
  if (err instanceof InvalidJobMetadata) return { statusCode: 400, code: 'INVALID_JOB_METADATA', expose: true };
  if (err instanceof InvalidSourceKey) return { statusCode: 422, code: 'INVALID_SOURCE_KEY', expose: true };
  if (err instanceof UnsupportedMedia) return { statusCode: 422, code: 'UNSUPPORTED_MEDIA', expose: true };
  if (err instanceof ObjectNotFound) return { statusCode: 404, code: 'SOURCE_NOT_FOUND', expose: true };
  if (err instanceof JobNotFound) return { statusCode: 404, code: 'NOT_FOUND', expose: true };
  if (err instanceof PlaybackSigningFailed) return { statusCode: 500, code: 'PLAYBACK_SIGNING_FAILED', expose: false };
  if (err instanceof Forbidden) return { statusCode: 403, code: 'FORBIDDEN', expose: true };
  if (err instanceof QuotaExceeded) return { statusCode: 429, code: 'QUOTA_EXCEEDED', expose: true };
  if (err instanceof UploadAlreadyUsed) return { statusCode: 409, code: 'UPLOAD_ALREADY_USED', expose: true };
  if (err instanceof JobAlreadyRunning) return { statusCode: 409, code: 'JOB_ALREADY_RUNNING', expose: true };
  return { statusCode: 500, code: 'INTERNAL_ERROR', expose: false };
}

/** Maps any thrown value to the JSON error response; never leaks stacks or AWS error text. */
export function errorResponse(err: unknown, requestId: string, log: LogSink): ApiResult {
  const mapped = mapError(err);
  const field = err instanceof WorkflowError && typeof err.context.field === 'string' ? err.context.field : undefined;
  if (mapped.statusCode >= 500) {
    log.error('Request failed', { errorName: errorName(err), error: err });
  } else {
    log.warn('Request rejected', { statusCode: mapped.statusCode, code: mapped.code, field, errorName: errorName(err) });
  }
  const message = mapped.expose && err instanceof Error ? err.message : `Internal error; quote request id ${requestId}`;
  const body: ErrorBody['error'] = field === undefined ? { code: mapped.code, message } : { code: mapped.code, message, field };
  // 429: when the daily quota resets (RFC 9110 section 10.2.3, delay-seconds).
  const retryAfter = err instanceof QuotaExceeded && typeof err.context.retryAfterSeconds === 'number' ? err.context.retryAfterSeconds : undefined;
  return jsonResponse(mapped.statusCode, { error: body }, requestId, retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
}

export type RouteCore = (event: ApiEvent, ctx: RequestContext) => Promise<HttpResponse>;

/**
 * Wraps a route core as a Lambda handler: request id on the logger and the response,
 * errors mapped to JSON. The logger is module-scoped, so temporary keys from the previous
 * invocation are reset first.
 */
export function apiHandler(route: string, core: RouteCore, log: typeof logger = logger): (event: ApiEvent) => Promise<ApiResult> {
  return async (event) => {
    const requestId = requestIdOf(event);
    log.resetKeys();
    log.appendKeys({ requestId, route });
    try {
      const response = await core(event, { requestId, log, appendKeys: (keys) => log.appendKeys(keys) });
      log.info('Request handled', { statusCode: response.statusCode });
      return jsonResponse(response.statusCode, response.body, requestId, response.headers);
    } catch (err) {
      return errorResponse(err, requestId, log);
    }
  };
}
