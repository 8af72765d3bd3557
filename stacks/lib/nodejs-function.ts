import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { bundleHandler, BundleAsset } from './bundle';
import { assumeRolePolicy, policyDocument, Statement } from './iam';
import { address, Names, snake } from './naming';

export interface NodejsFunctionProps {
  /** Folder under handlers/ holding index.ts; also the function's name suffix. */
  readonly handler: string;
  /** Physical naming for this stack. */
  readonly names: Names;
  /** One line shown in the console. */
  readonly description: string;
  /** Exactly the permissions the code uses (logs and X-Ray are added here). */
  readonly statements: readonly Statement[];
  /** Environment variables (names and ARNs it needs). @default {} */
  readonly environment?: Record<string, string>;
  /** Memory in MB (number or a variable token). */
  readonly memorySize: number;
  /** Timeout in seconds (number or a variable token). */
  readonly timeout: number;
  /** Log retention in days (number or a variable token). */
  readonly logRetentionDays: number;
  /** Extra files shipped beside index.js. @default [] */
  readonly assets?: readonly BundleAsset[];
  /** KMS key for the log group, when the environment uses a customer-managed key. @default AWS-owned */
  readonly logKmsKeyArn?: string;
  /** Lambda ephemeral storage and other limits stay at their defaults unless set. @default 512 */
  readonly ephemeralStorageMb?: number;
}

/**
 * A Lambda function built from `handlers/<name>/`: esbuild bundle in a deterministic zip,
 * arm64 on Node.js 22, its own role with exactly `statements`, a Terraform-managed log group
 * with retention, X-Ray active tracing. Addresses are `aws_lambda_function.<snake_name>` etc.
 */
export class NodejsFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly functionName: string;
  /** The handlers/ folder it is built from, e.g. `extract-metadata`. */
  readonly handler: string;

  constructor(scope: Construct, id: string, props: NodejsFunctionProps) {
    super(scope, id);
    const key = snake(props.handler);
    this.handler = props.handler;
    this.functionName = props.names.of(props.handler);

    const bundle = bundleHandler(props.handler, props.assets ?? []);
    const asset = new TerraformAsset(this, 'code', { path: bundle.zipPath, type: AssetType.FILE, assetHash: bundle.sha256.replace(/[^A-Za-z0-9]/g, '').slice(0, 16) });

    this.logGroup = address(
      new CloudwatchLogGroup(this, 'logs', {
        name: `/aws/lambda/${this.functionName}`,
        retentionInDays: props.logRetentionDays,
        kmsKeyId: props.logKmsKeyArn,
      }),
      key,
    );

    this.role = address(
      new IamRole(this, 'role', {
        name: props.names.of(`${props.handler}-fn`),
        description: `Execution role of ${this.functionName}`,
        assumeRolePolicy: assumeRolePolicy('lambda.amazonaws.com'),
      }),
      `${key}_function`,
    );

    const policy = address(
      new IamRolePolicy(this, 'policy', {
        name: 'least-privilege',
        role: this.role.id,
        policy: policyDocument([
          {
            Sid: 'WriteOwnLogs',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `${this.logGroup.arn}:*`,
          },
          {
            // X-Ray trace APIs support no resource-level permissions.
            Sid: 'WriteTraces',
            Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
            Resource: '*',
          },
          ...props.statements,
        ]),
      }),
      `${key}_function`,
    );

    this.function = address(
      new LambdaFunction(this, 'function', {
        functionName: this.functionName,
        description: props.description,
        role: this.role.arn,
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        filename: asset.path,
        sourceCodeHash: bundle.sha256,
        memorySize: props.memorySize,
        timeout: props.timeout,
        ephemeralStorage: props.ephemeralStorageMb ? { size: props.ephemeralStorageMb } : undefined,
        tracingConfig: { mode: 'Active' },
        loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
        environment: {
          variables: {
            POWERTOOLS_SERVICE_NAME: this.functionName,
            ...props.environment,
          },
        },
        // Without these, the first invocation can create the log group itself (racing
        // Terraform, which then fails with ResourceAlreadyExists) or run without its policy.
        dependsOn: [this.logGroup, policy],
      }),
      key,
    );
  }

  get arn(): string {
    return this.function.arn;
  }
}

/** What every function of a stack shares: naming, memory, timeout, log retention, environment. */
export interface FunctionDefaults {
  readonly names: Names;
  readonly memorySize: number;
  readonly timeout: number;
  readonly logRetentionDays: number;
  /** Merged under each function's own environment. */
  readonly environment: Record<string, string>;
}

/** A NodejsFunction (construct id = handler) with the stack's defaults; `props` win, environments merge. */
export function newFunction(
  scope: Construct,
  defaults: FunctionDefaults,
  props: Pick<NodejsFunctionProps, 'handler' | 'description' | 'statements'> & Partial<NodejsFunctionProps>,
): NodejsFunction {
  return new NodejsFunction(scope, props.handler, {
    ...defaults,
    ...props,
    environment: { ...defaults.environment, ...props.environment },
  });
}
