import type { Context } from 'aws-lambda';
import { logger } from './logger';
import { tracer } from './tracing';

/** A Lambda handler: the event and the context Lambda passes (tests and scripts may omit it). */
export type LambdaHandler<E, R> = (event: E, context?: Context) => Promise<R>;

/**
 * Wraps a function's `index.handler` at its entry (stacks/lib/bundle.ts generates the entry, so
 * no handler can forget it):
 * - Logger: `addContext` puts cold_start, function_name, function_request_id, ... on every log
 *   line of the invocation (Powertools Logger "Capturing Lambda context info").
 * - Tracer: a `## <handler>` subsegment with the ColdStart and Service annotations and the
 *   error as metadata, the documented manual instrumentation
 *   (https://docs.powertools.aws.dev/lambda/typescript/latest/features/tracer/, "Methods").
 *   The response is not added as metadata: it can be large (a MediaConvert settings plan) and
 *   carries bucket names, which X-Ray should not keep.
 */
export function withLambdaContext<E, R>(name: string, handler: LambdaHandler<E, R>): LambdaHandler<E, R> {
  return async (event, context) => {
    if (context) logger.addContext(context);
    const segment = tracer.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${name}`);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      return await handler(event, context);
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      if (subsegment && segment) {
        subsegment.close();
        tracer.setSegment(segment);
      }
    }
  };
}
