/**
 * Loads `video-workflow.asl.json` and fills its `${Name}` placeholders from a typed map, in
 * the spirit of aws-cdk's `definitionSubstitutions`: the JSON stays data that reviewers read
 * as-is, and both directions of drift fail loudly (a placeholder with no value, a value with
 * no placeholder).
 *
 * The JSON is imported (not read from disk) so that jest (swc), tsx and an esbuild bundle all
 * embed the same file without caring about the working directory.
 */
import template from './video-workflow.asl.json';

export interface WorkflowSubstitutions {
  /** DynamoDB job table name (RecordStart, RecordArchiveWarning). */
  readonly JobsTableName: string;
  readonly ExtractMetadataFunctionArn: string;
  readonly PlanTranscodeFunctionArn: string;
  readonly QualityControlFunctionArn: string;
  readonly PublishFunctionArn: string;
  readonly ArchiveSourceFunctionArn: string;
  /** Copies the probed source version to the job-scoped key the transcode reads. */
  readonly PinSourceFunctionArn: string;
  readonly RecordFailureFunctionArn: string;
  readonly MediaConvertQueueArn: string;
  /** Role MediaConvert assumes to read the source and write the outputs. */
  readonly MediaConvertRoleArn: string;
  /** SNS topic for failure notifications (success is sent by the publish function). */
  readonly NotificationTopicArn: string;
  /** Travels in the MediaConvert job's UserMetadata so job-progress can tell our jobs apart. */
  readonly WorkflowName: string;
  /** TimeoutSeconds of the Transcode (.sync) task. */
  readonly TranscodeTimeoutSeconds: number;
  /** Top-level TimeoutSeconds of the execution. */
  readonly WorkflowTimeoutSeconds: number;
}

/** A parsed ASL document; kept loose on purpose, callers read it as JSON. */
export type AslDefinition = Record<string, unknown>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A whole-string placeholder keeps the value's type: `"${TranscodeTimeoutSeconds}"` -> 3600. */
const WHOLE_PLACEHOLDER = /^\$\{([A-Za-z][A-Za-z0-9]*)\}$/;
/** Any `${...}`, valid name or not, so a malformed one (`${Foo-Bar}`, `${ }`) is reported too. */
const ANY_PLACEHOLDER = /\$\{([^}]*)\}/g;
const VALID_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/** Every distinct `${Name}` in the ASL template, sorted. */
export function workflowPlaceholders(): string[] {
  return [...collectPlaceholders(template as Json)].sort();
}

/**
 * Returns a fresh definition with every placeholder replaced. Throws, naming them, when the
 * template has placeholders the map lacks or the map has keys the template does not use.
 * Values are opaque (they may be cdktf tokens such as `${TfToken[TOKEN.12]}`): only the
 * template is scanned for placeholders.
 */
export function renderWorkflowDefinition(subs: WorkflowSubstitutions): AslDefinition {
  const values = subs as unknown as Record<string, string | number | undefined>;
  const placeholders = collectPlaceholders(template as Json);

  const missing = [...placeholders].filter((name) => values[name] === undefined).sort();
  const unused = Object.keys(values)
    .filter((key) => !placeholders.has(key))
    .sort();
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`no value for placeholder(s): ${missing.join(', ')}`);
  if (unused.length > 0) problems.push(`substitution key(s) not used by the template: ${unused.join(', ')}`);
  if (problems.length > 0) {
    throw new Error(`video-workflow.asl.json: ${problems.join('; ')}`);
  }

  return substitute(template as Json, values as Record<string, string | number>) as AslDefinition;
}

/**
 * Every Task state's Resource, including states nested in Parallel branches and Map
 * processors, so the stack's IAM grants can be checked against what the definition calls.
 */
export function taskResources(definition: AslDefinition): { state: string; resource: string }[] {
  const found: { state: string; resource: string }[] = [];
  const visit = (machine: unknown): void => {
    const states = (machine as { States?: Record<string, Record<string, unknown>> }).States ?? {};
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        if (typeof state.Resource !== 'string') {
          throw new Error(`Task state "${name}" has no string Resource`);
        }
        found.push({ state: name, resource: state.Resource });
      }
      for (const branch of (state.Branches as unknown[] | undefined) ?? []) visit(branch);
      if (state.ItemProcessor !== undefined) visit(state.ItemProcessor);
      if (state.Iterator !== undefined) visit(state.Iterator);
    }
  };
  visit(definition);
  return found;
}

function collectPlaceholders(node: Json, found: Set<string> = new Set()): Set<string> {
  if (typeof node === 'string') {
    for (const match of node.matchAll(ANY_PLACEHOLDER)) {
      const name = match[1] ?? '';
      if (!VALID_NAME.test(name)) {
        throw new Error(`video-workflow.asl.json: malformed placeholder "${match[0]}" in "${node}"`);
      }
      found.add(name);
    }
  } else if (Array.isArray(node)) {
    for (const item of node) collectPlaceholders(item, found);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key.includes('${')) {
        throw new Error(`video-workflow.asl.json: placeholders are not supported in keys ("${key}")`);
      }
      collectPlaceholders(value, found);
    }
  }
  return found;
}

function substitute(node: Json, values: Record<string, string | number>): Json {
  if (typeof node === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(node);
    if (whole) return values[whole[1]];
    // A function replacer, so `$&`-style patterns inside values are inserted verbatim.
    return node.replace(ANY_PLACEHOLDER, (_match, name: string) => String(values[name]));
  }
  if (Array.isArray(node)) return node.map((item) => substitute(item, values));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, substitute(value, values)]));
  }
  return node;
}
