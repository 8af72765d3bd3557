import { Construct } from 'constructs';
import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Authorizer } from '@cdktf/provider-aws/lib/apigatewayv2-authorizer';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { address, Names, snake } from './lib/naming';
import { NodejsFunction } from './lib/nodejs-function';
import { StackVariables } from './variables';

export interface ApiRoute {
  /** e.g. `POST /jobs`. */
  readonly routeKey: string;
  /** Function serving the route (Lambda proxy, payload format 2.0). */
  readonly handler: NodejsFunction;
  /** JWT mode: the route accepts a token with this scope (variable api_jwt_<access>_scope) or the admin scope. */
  readonly access: 'read' | 'write';
}

export interface ApiProps {
  readonly names: Names;
  readonly variables: StackVariables;
  readonly routes: readonly ApiRoute[];
}

/** Terraform expression: true when the JWT authorizer replaces AWS_IAM. */
const JWT_ENABLED = 'var.api_jwt_issuer != ""';

/**
 * The job API (HTTP API, API Gateway v2). Every route requires AWS_IAM (SigV4) unless
 * api_jwt_issuer is set, then a JWT authorizer. $default stage with auto-deploy, default route
 * throttling from variables, JSON access logs with retention; CORS only when
 * cors_allowed_origins is set. Each function may be invoked by its own route only.
 */
export class Api extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  readonly accessLogs: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { names, variables } = props;
    this.api = address(
      new Apigatewayv2Api(this, 'api', {
        name: names.of('api'),
        description: 'Video jobs: start, inspect, list, upload',
        protocolType: 'HTTP',
      }),
      'jobs',
    );
    this.api.addOverride('dynamic.cors_configuration', {
      for_each: '${length(var.cors_allowed_origins) > 0 ? [1] : []}',
      content: {
        allow_origins: '${var.cors_allowed_origins}',
        allow_methods: ['GET', 'POST', 'OPTIONS'],
        allow_headers: ['authorization', 'content-type', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'],
        expose_headers: ['x-request-id'],
        max_age: 3600,
      },
    });

    this.accessLogs = address(
      new CloudwatchLogGroup(this, 'access-logs', {
        name: `/aws/apigateway/${names.of('api')}`,
        retentionInDays: variables.logRetentionDays.numberValue,
      }),
      'api_access',
    );
    this.stage = address(
      new Apigatewayv2Stage(this, 'stage', {
        apiId: this.api.id,
        name: '$default',
        autoDeploy: true,
        defaultRouteSettings: {
          throttlingBurstLimit: variables.apiThrottleBurstLimit.numberValue,
          throttlingRateLimit: variables.apiThrottleRateLimit.numberValue,
          detailedMetricsEnabled: true,
        },
        accessLogSettings: {
          destinationArn: this.accessLogs.arn,
          format: JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            user: '$context.identity.user',
            jwtSubject: '$context.authorizer.claims.sub',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        },
      }),
      'default',
    );

    address(
      new Apigatewayv2Authorizer(this, 'jwt', {
        count: `\${${JWT_ENABLED} ? 1 : 0}` as unknown as number,
        apiId: this.api.id,
        name: names.of('jwt'),
        authorizerType: 'JWT',
        identitySources: ['$request.header.Authorization'],
        jwtConfiguration: {
          issuer: variables.apiJwtIssuer.stringValue,
          audience: variables.apiJwtAudience.listValue,
        },
      }),
      'jwt',
    );

    const integrations = new Map<NodejsFunction, Apigatewayv2Integration>();
    for (const route of props.routes) {
      const fnKey = snake(route.handler.handler);
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = address(
          new Apigatewayv2Integration(this, `${fnKey}-integration`, {
            apiId: this.api.id,
            integrationType: 'AWS_PROXY',
            integrationUri: route.handler.function.invokeArn,
            payloadFormatVersion: '2.0',
            timeoutMilliseconds: 29000,
          }),
          fnKey,
        );
        integrations.set(route.handler, integration);
      }
      const routeId = snake(route.routeKey.replace(/[{}]/g, '').replace(/\//g, ' '));
      address(
        new Apigatewayv2Route(this, `${routeId}-route`, {
          apiId: this.api.id,
          routeKey: route.routeKey,
          target: `integrations/${integration.id}`,
          authorizationType: `\${${JWT_ENABLED} ? "JWT" : "AWS_IAM"}`,
          authorizerId: `\${${JWT_ENABLED} ? aws_apigatewayv2_authorizer.jwt[0].id : null}`,
        }),
        routeId,
      ).addOverride(
        'authorization_scopes',
        // A token must carry at least one of a route's scopes, else API Gateway answers 403
        // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html,
        // "Control access to HTTP APIs with JWT authorizers in API Gateway"). AWS_IAM routes take none.
        `\${${JWT_ENABLED} ? [var.api_jwt_${route.access}_scope, var.api_jwt_admin_scope] : null}`,
      );
      const [method, path] = route.routeKey.split(' ');
      address(
        new LambdaPermission(this, `${routeId}-permission`, {
          statementId: `ApiRoute${routeId.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase())}`,
          action: 'lambda:InvokeFunction',
          functionName: route.handler.function.functionName,
          principal: 'apigateway.amazonaws.com',
          // This API, this method and this path (path parameters as *); any stage of this API.
          sourceArn: `${this.api.executionArn}/*/${method}${path.replace(/\{[^}]+\}/g, '*')}`,
        }),
        routeId,
      );
    }
  }

  get endpoint(): string {
    return this.api.apiEndpoint;
  }
}
