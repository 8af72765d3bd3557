/**
 * Reads every IAM document out of the synthesized cdk.tf.json and turns it into concrete
 * policies the tests can reason about and simulate.
 *
 * In cdk.tf.json the documents are JSON strings (stacks/lib/iam.ts renders them with
 * JSON.stringify) holding Terraform interpolations such as "${aws_s3_bucket.source.arn}/*".
 * The resolver replaces each interpolation with the value AWS would compute, for a fixed
 * account (123456789012) and region (us-east-1), from the same JSON (the bucket's `bucket`
 * attribute, the function's `function_name`, ...). It is deliberately strict: an expression it
 * does not know (a new resource type, a function call, a conditional) throws, naming the stack
 * and the expression, so a policy can never be checked against a guessed value.
 */
import { createHash } from 'node:crypto';
import type { StackName, SynthesizedStack, SynthResult, TerraformJson } from '../helpers/synth';

export const ACCOUNT = '123456789012';
export const OTHER_ACCOUNT = '999999999999';
export const REGION = 'us-east-1';

export type PolicyKind = 'identity' | 'trust' | 'bucket' | 'topic' | 'queue' | 'key';

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: Statement[];
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface ExtractedPolicy {
  readonly stack: StackName;
  /** Terraform address of the resource holding the document, e.g. `aws_iam_role_policy.publish_function`. */
  readonly address: string;
  readonly kind: PolicyKind;
  /**
   * identity: ARN of the role the policy is attached to.
   * trust: ARN of the role. bucket/topic/queue/key: ARN of the resource the policy protects.
   */
  readonly attachedTo: string;
  /** The document with every interpolation resolved. */
  readonly document: PolicyDocument;
}

export interface ExtractedStatement {
  readonly policy: ExtractedPolicy;
  readonly index: number;
  readonly statement: Statement;
  /** Where this statement comes from, for failure messages: `video-workflow-dev aws_iam_role_policy.x #2 (Sid)`. */
  readonly label: string;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Where each policy-bearing resource type keeps its document and what it is attached to. */
const POLICY_SOURCES: ReadonlyArray<{ type: string; attribute: string; kind: PolicyKind; target: (r: Resolver, name: string, config: Record<string, any>) => string }> = [
  { type: 'aws_iam_role_policy', attribute: 'policy', kind: 'identity', target: (r, _n, c) => r.roleArnFromReference(c.role) },
  { type: 'aws_iam_role', attribute: 'assume_role_policy', kind: 'trust', target: (r, n) => r.attribute(`aws_iam_role.${n}.arn`) },
  { type: 'aws_s3_bucket_policy', attribute: 'policy', kind: 'bucket', target: (r, _n, c) => `arn:aws:s3:::${r.resolve(c.bucket)}` },
  { type: 'aws_sns_topic_policy', attribute: 'policy', kind: 'topic', target: (r, _n, c) => r.resolve(c.arn) },
  { type: 'aws_sqs_queue_policy', attribute: 'policy', kind: 'queue', target: (r, _n, c) => queueArnFromUrl(r.resolve(c.queue_url)) },
  { type: 'aws_kms_key', attribute: 'policy', kind: 'key', target: (r, n) => r.attribute(`aws_kms_key.${n}.arn`) },
];

/** Resource types whose documents this module reads (the tests check nothing else carries IAM). */
export const POLICY_RESOURCE_TYPES = POLICY_SOURCES.map((s) => s.type);

function queueArnFromUrl(url: string): string {
  const m = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/([A-Za-z0-9_-]+)$/.exec(url);
  if (!m) throw new Error(`Not an SQS queue URL: ${url}`);
  return `arn:aws:sqs:${m[1]}:${m[2]}:${m[3]}`;
}

/**
 * Resolves `${...}` interpolations of one stack to the values AWS would assign. Only plain
 * references (`<type>.<name>.<attribute>`, `data.<type>.<name>.<attribute>`, `var.aws_region`)
 * are accepted; anything else throws.
 */
export class Resolver {
  private readonly json: TerraformJson;

  constructor(private readonly stack: SynthesizedStack) {
    this.json = stack.json;
  }

  /** Replaces every interpolation in `text`; throws on one it cannot resolve. */
  resolve(text: unknown): string {
    if (typeof text !== 'string') throw new Error(`${this.stack.name}: expected a string to resolve, got ${JSON.stringify(text)}`);
    return text.replace(/\$\{([^}]*)\}/g, (_m, expr: string) => this.expression(expr.trim()));
  }

  /** Resolves every string inside a JSON value (objects, arrays). */
  resolveDeep<T>(value: T): T {
    if (typeof value === 'string') return this.resolve(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.resolveDeep(v)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.resolve(k), this.resolveDeep(v)])) as T;
    }
    return value;
  }

  /** The value of one reference, e.g. `aws_s3_bucket.source.arn`. */
  attribute(reference: string): string {
    return this.expression(reference);
  }

  /** `${aws_iam_role.x.id}` / `.name` -> the role's ARN. */
  roleArnFromReference(reference: string): string {
    const m = /^\$\{aws_iam_role\.([a-z0-9_]+)\.(id|name)\}$/.exec(reference);
    if (!m) throw new Error(`${this.stack.name}: role reference "${reference}" is not \${aws_iam_role.<name>.id}`);
    return this.attribute(`aws_iam_role.${m[1]}.arn`);
  }

  private fail(expr: string, why: string): never {
    throw new Error(`${this.stack.name}: cannot resolve \${${expr}}: ${why}`);
  }

  private expression(expr: string): string {
    if (expr === 'var.aws_region') return REGION;
    const data = /^data\.([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(expr);
    if (data) {
      const [, type, name, attr] = data;
      if (!this.json.data?.[type]?.[name]) this.fail(expr, 'no such data source in this stack');
      if (type === 'aws_caller_identity' && attr === 'account_id') return ACCOUNT;
      return this.fail(expr, 'unsupported data source attribute');
    }
    const ref = /^([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(expr);
    if (!ref) return this.fail(expr, 'only plain references are supported');
    const [, type, name, attr] = ref;
    const config = this.json.resource?.[type]?.[name];
    if (!config) return this.fail(expr, 'no such resource in this stack');
    const field = (key: string): string => {
      if (config[key] === undefined) this.fail(expr, `the resource has no "${key}" to derive from`);
      return this.resolve(config[key]);
    };
    const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;

    switch (`${type}.${attr}`) {
      case 'aws_s3_bucket.bucket':
      case 'aws_s3_bucket.id':
        return field('bucket');
      case 'aws_s3_bucket.arn':
        return `arn:aws:s3:::${field('bucket')}`;
      case 'aws_dynamodb_table.name':
      case 'aws_dynamodb_table.id':
        return field('name');
      case 'aws_dynamodb_table.arn':
        return arn('dynamodb', `table/${field('name')}`);
      case 'aws_lambda_function.function_name':
      case 'aws_lambda_function.id':
        return field('function_name');
      case 'aws_lambda_function.arn':
        return arn('lambda', `function:${field('function_name')}`);
      case 'aws_lambda_function.invoke_arn':
        return `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn('lambda', `function:${field('function_name')}`)}/invocations`;
      case 'aws_sqs_queue.name':
        return field('name');
      case 'aws_sqs_queue.arn':
        return arn('sqs', field('name'));
      case 'aws_sqs_queue.url':
      case 'aws_sqs_queue.id':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${field('name')}`;
      case 'aws_sns_topic.name':
        return field('name');
      case 'aws_sns_topic.kms_master_key_id':
        return field('kms_master_key_id');
      case 'aws_sns_topic.arn':
      case 'aws_sns_topic.id':
        return arn('sns', field('name'));
      case 'aws_sfn_state_machine.name':
        return field('name');
      case 'aws_sfn_state_machine.arn':
      case 'aws_sfn_state_machine.id':
        return arn('states', `stateMachine:${field('name')}`);
      case 'aws_iam_role.name':
      case 'aws_iam_role.id':
        return field('name');
      case 'aws_iam_role.arn':
        return `arn:aws:iam::${ACCOUNT}:role${config.path ? this.resolve(config.path) : '/'}${field('name')}`;
      case 'aws_kms_key.arn':
        return arn('kms', `key/${this.kmsKeyId(name)}`);
      case 'aws_kms_key.key_id':
      case 'aws_kms_key.id':
        return this.kmsKeyId(name);
      case 'aws_media_convert_queue.name':
        return field('name');
      case 'aws_media_convert_queue.arn':
      case 'aws_media_convert_queue.id':
        return arn('mediaconvert', `queues/${field('name')}`);
      case 'aws_cloudwatch_log_group.name':
      case 'aws_cloudwatch_log_group.id':
        return field('name');
      case 'aws_cloudwatch_log_group.arn':
        // Provider v5: the arn attribute has no trailing ":*" (policies append it themselves).
        return arn('logs', `log-group:${field('name')}`);
      case 'aws_cloudwatch_event_rule.name':
        return field('name');
      case 'aws_cloudwatch_event_rule.arn':
        if (config.event_bus_name !== undefined && config.event_bus_name !== 'default') this.fail(expr, 'rule on a custom bus');
        return arn('events', `rule/${field('name')}`);
      case 'aws_cloudwatch_metric_alarm.alarm_name':
      case 'aws_cloudwatch_metric_alarm.id':
        return field('alarm_name');
      case 'aws_cloudwatch_metric_alarm.arn':
        return arn('cloudwatch', `alarm:${field('alarm_name')}`);
      case 'aws_apigatewayv2_api.id':
        // API Gateway assigns the id at creation: a fixed 10-character stand-in per stack and address.
        return this.apiId(name);
      case 'aws_apigatewayv2_api.execution_arn':
        return arn('execute-api', this.apiId(name));
      default:
        return this.fail(expr, `unsupported attribute "${attr}" of ${type}`);
    }
  }

  private apiId(name: string): string {
    return createHash('sha256').update(`${this.stack.name}/api/${name}`).digest('hex').slice(0, 10);
  }

  /**
   * KMS assigns key ids at creation, so the JSON cannot say them: a fixed UUID-shaped id per
   * stack and key address stands in. Two keys (or two stacks) never share one, which is all the
   * simulation needs to tell them apart.
   */
  private kmsKeyId(name: string): string {
    const h = createHash('sha256').update(`${this.stack.name}/${name}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** Every IAM document of one stack, resolved. */
export function extractPolicies(stack: SynthesizedStack): ExtractedPolicy[] {
  const resolver = new Resolver(stack);
  const out: ExtractedPolicy[] = [];
  for (const source of POLICY_SOURCES) {
    for (const [name, config] of Object.entries(stack.resources(source.type))) {
      const raw = config[source.attribute];
      if (raw === undefined) continue; // e.g. an aws_kms_key without a policy gets the default one
      const address = `${source.type}.${name}`;
      if (typeof raw !== 'string') throw new Error(`${stack.name} ${address}: ${source.attribute} is not a JSON string`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (err) {
        throw new Error(`${stack.name} ${address}: ${source.attribute} is not valid JSON (${(err as Error).message})`, { cause: err });
      }
      const document = resolver.resolveDeep(parsed) as PolicyDocument;
      if (document.Version !== '2012-10-17' || !Array.isArray(document.Statement)) {
        throw new Error(`${stack.name} ${address}: expected Version 2012-10-17 and a Statement array`);
      }
      out.push({ stack: stack.name, address, kind: source.kind, attachedTo: source.target(resolver, name, config), document });
    }
  }
  return out;
}

/** Every IAM document of every synthesized stack. */
export function extractAllPolicies(result: SynthResult): ExtractedPolicy[] {
  return Object.values(result.stacks).flatMap((stack) => extractPolicies(stack));
}

export function statementsOf(policies: readonly ExtractedPolicy[]): ExtractedStatement[] {
  return policies.flatMap((policy) =>
    policy.document.Statement.map((statement, index) => ({
      policy,
      index,
      statement,
      label: `${policy.stack} ${policy.address} #${index}${statement.Sid ? ` (${statement.Sid})` : ''}`,
    })),
  );
}
