/**
 * Scans every response of the API test suite (__tests__/api/) for internals: every route
 * handler is wrapped so that whatever a test sends through it, its response is checked
 * with findLeaks after the file's tests ran. A leak fails the test file, naming the route,
 * the request id and what leaked (issue 12: no s3:// URI, bucket name, account id or ARN in any
 * public response). __tests__/api/public-responses.test.ts proves the scan sees the responses.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiEvent, RouteCore } from '../../handlers/shared/http';
import { findLeaks, publicPart } from '../helpers/public-leaks';

interface Seen {
  readonly route: string;
  readonly result: APIGatewayProxyStructuredResultV2;
}

const testPath = expect.getState().testPath ?? '';
if (/[\\/]__tests__[\\/]api[\\/]/.test(testPath)) {
  const seen: Seen[] = [];
  (globalThis as { __publicResponses?: Seen[] }).__publicResponses = seen;
  // Every route handler is built by apiHandler (handlers/shared/http.ts): wrapping it sees
  // every response of every route, including handlers a test loads with jest.isolateModules.
  jest.doMock('../../handlers/shared/http', () => {
    const actual = jest.requireActual<typeof import('../../handlers/shared/http')>('../../handlers/shared/http');
    return {
      ...actual,
      apiHandler: (route: string, ...rest: [RouteCore, ...unknown[]]) => {
        const inner = (actual.apiHandler as (...args: unknown[]) => (e: ApiEvent) => Promise<APIGatewayProxyStructuredResultV2>)(route, ...rest);
        return async (event: ApiEvent) => {
          const result = await inner(event);
          seen.push({ route, result });
          return result;
        };
      },
    };
  });
  afterAll(() => {
    const leaks = seen.flatMap(({ route, result }) => {
      let body: unknown;
      try {
        body = JSON.parse(String(result.body));
      } catch {
        body = result.body;
      }
      const headers = JSON.stringify(result.headers ?? {});
      return findLeaks(`${JSON.stringify(publicPart(route, body))}\n${headers}`).map(
        (leak) => `${route} (status ${result.statusCode}, ${result.headers?.['x-request-id'] ?? 'no request id'}): ${leak}`,
      );
    });
    if (leaks.length > 0) throw new Error(`Public API responses leak internals:\n${leaks.join('\n')}`);
  });
}
