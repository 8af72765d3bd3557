import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import {
  renderWorkflowDefinition,
  taskResources,
  workflowPlaceholders,
  type WorkflowSubstitutions,
} from '../../asl/definition';
import { TEST_SUBSTITUTIONS } from '../helpers/asl-harness';

const ROOT = path.resolve(__dirname, '../..');

/** Loads asl/definition.ts against a different template, to exercise the template-side checks. */
function loaderWithTemplate(template: unknown): typeof import('../../asl/definition') {
  let loaded: typeof import('../../asl/definition') | undefined;
  jest.isolateModules(() => {
    jest.doMock('../../asl/video-workflow.asl.json', () => template);
    loaded = require('../../asl/definition');
  });
  return loaded as typeof import('../../asl/definition');
}

type States = Record<string, Record<string, any>>;

describe('workflowPlaceholders', () => {
  it('lists exactly the keys of WorkflowSubstitutions', () => {
    // Prepare
    const keys = Object.keys(TEST_SUBSTITUTIONS).sort();

    // Act
    const placeholders = workflowPlaceholders();

    // Assess
    expect(placeholders).toEqual(keys);
    expect(placeholders).toHaveLength(14);
  });
});

describe('renderWorkflowDefinition', () => {
  it('resolves every placeholder and keeps numbers as numbers', () => {
    // Act
    const definition = renderWorkflowDefinition(TEST_SUBSTITUTIONS);
    const states = definition.States as States;

    // Assess
    expect(JSON.stringify(definition)).not.toContain('${');
    expect(definition.TimeoutSeconds).toBe(86_400);
    expect(states.Transcode.TimeoutSeconds).toBe(14_400);
    expect(states.Transcode.Parameters).toMatchObject({
      Queue: TEST_SUBSTITUTIONS.MediaConvertQueueArn,
      Role: TEST_SUBSTITUTIONS.MediaConvertRoleArn,
      'UserMetadata.$': '$.plan.userMetadata',
    });
    expect(states.PlanTranscode.Parameters).toMatchObject({ 'jobId.$': '$.jobId', workflow: 'video-workflow-test' });
    expect(states.RecordStart.Parameters.TableName).toBe(TEST_SUBSTITUTIONS.JobsTableName);
    expect(states.NotifyFailure.Parameters.TopicArn).toBe(TEST_SUBSTITUTIONS.NotificationTopicArn);
    expect(states.ExtractMetadata.Resource).toBe(TEST_SUBSTITUTIONS.ExtractMetadataFunctionArn);
  });

  it('returns an independent copy each time (the imported template is never mutated)', () => {
    // Prepare
    const first = renderWorkflowDefinition(TEST_SUBSTITUTIONS);
    (first.States as States).RecordStart.Parameters.TableName = 'mutated';

    // Act
    const second = renderWorkflowDefinition({ ...TEST_SUBSTITUTIONS, JobsTableName: 'other-table' });

    // Assess
    expect((second.States as States).RecordStart.Parameters.TableName).toBe('other-table');
    expect(workflowPlaceholders()).toContain('JobsTableName');
  });

  it('treats values as opaque: cdktf string and number tokens are inserted verbatim, never re-scanned', () => {
    // Prepare: what cdktf hands over at synth time before Terraform resolves references
    const stringToken = '${TfToken[TOKEN.12]}';
    const numberToken = -1.8881545897087626e289;
    const subs: WorkflowSubstitutions = {
      ...TEST_SUBSTITUTIONS,
      JobsTableName: stringToken,
      PublishFunctionArn: '${TfToken[TOKEN.40]}',
      TranscodeTimeoutSeconds: numberToken,
    };

    // Act
    const definition = renderWorkflowDefinition(subs);
    const states = definition.States as States;

    // Assess
    expect(states.RecordStart.Parameters.TableName).toBe(stringToken);
    expect(states.RecordArchiveWarning.Parameters.TableName).toBe(stringToken);
    expect(states.Publish.Resource).toBe('${TfToken[TOKEN.40]}');
    expect(states.Transcode.TimeoutSeconds).toBe(numberToken);
  });

  it('names the placeholders that have no value', () => {
    // Prepare
    const { NotificationTopicArn: _topic, WorkflowName: _name, ...partial } = TEST_SUBSTITUTIONS;

    // Act / Assess
    expect(() => renderWorkflowDefinition(partial as WorkflowSubstitutions)).toThrow(
      'no value for placeholder(s): NotificationTopicArn, WorkflowName',
    );
  });

  it('names substitution keys the template does not use', () => {
    // Prepare
    const extra = { ...TEST_SUBSTITUTIONS, ArchiveBucketName: 'archive', ApiUrl: 'https://x' };

    // Act / Assess
    expect(() => renderWorkflowDefinition(extra as WorkflowSubstitutions)).toThrow(
      'substitution key(s) not used by the template: ApiUrl, ArchiveBucketName',
    );
  });

  it('names a placeholder in the template that WorkflowSubstitutions does not know', () => {
    // Prepare
    const loader = loaderWithTemplate({
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: '${ExtractMetadataFunctionArn}', Parameters: { Bucket: '${ArchiveBucketName}' }, End: true } },
    });

    // Act / Assess
    expect(() => loader.renderWorkflowDefinition(TEST_SUBSTITUTIONS)).toThrow('no value for placeholder(s): ArchiveBucketName');
  });

  it('interpolates a placeholder inside a longer string and rejects malformed ones', () => {
    // Prepare
    const interpolating = loaderWithTemplate({
      Comment: 'Jobs in ${JobsTableName}, ${TranscodeTimeoutSeconds}s max',
      StartAt: 'A',
      States: { A: { Type: 'Pass', End: true } },
    });
    const malformed = loaderWithTemplate({ Comment: 'see ${Jobs-Table}', StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
    const subs = { JobsTableName: 'jobs', TranscodeTimeoutSeconds: 600 } as unknown as WorkflowSubstitutions;

    // Act
    const rendered = interpolating.renderWorkflowDefinition(subs);

    // Assess
    expect(rendered.Comment).toBe('Jobs in jobs, 600s max');
    expect(() => malformed.workflowPlaceholders()).toThrow('malformed placeholder "${Jobs-Table}"');
  });
});

describe('taskResources', () => {
  it('lists every Task state and the resource it calls', () => {
    // Act
    const resources = taskResources(renderWorkflowDefinition(TEST_SUBSTITUTIONS));

    // Assess
    expect(resources).toEqual([
      { state: 'RecordStart', resource: 'arn:aws:states:::dynamodb:updateItem' },
      { state: 'ExtractMetadata', resource: TEST_SUBSTITUTIONS.ExtractMetadataFunctionArn },
      { state: 'PlanTranscode', resource: TEST_SUBSTITUTIONS.PlanTranscodeFunctionArn },
      { state: 'PinSource', resource: TEST_SUBSTITUTIONS.PinSourceFunctionArn },
      { state: 'Transcode', resource: 'arn:aws:states:::mediaconvert:createJob.sync' },
      { state: 'QualityControl', resource: TEST_SUBSTITUTIONS.QualityControlFunctionArn },
      { state: 'Publish', resource: TEST_SUBSTITUTIONS.PublishFunctionArn },
      { state: 'ArchiveSource', resource: TEST_SUBSTITUTIONS.ArchiveSourceFunctionArn },
      { state: 'RecordArchiveWarning', resource: 'arn:aws:states:::dynamodb:updateItem' },
      { state: 'RecordFailure', resource: TEST_SUBSTITUTIONS.RecordFailureFunctionArn },
      { state: 'NotifyFailure', resource: 'arn:aws:states:::sns:publish' },
    ]);
  });

  it('finds Tasks nested in Parallel branches and Map processors', () => {
    // Prepare
    const nested = {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'B', States: { B: { Type: 'Task', Resource: 'arn:b', End: true } } }],
          Next: 'M',
        },
        M: { Type: 'Map', ItemProcessor: { StartAt: 'C', States: { C: { Type: 'Task', Resource: 'arn:c', End: true } } }, End: true },
      },
    };

    // Act / Assess
    expect(taskResources(nested)).toEqual([
      { state: 'B', resource: 'arn:b' },
      { state: 'C', resource: 'arn:c' },
    ]);
  });
});

describe('loading outside jest', () => {
  it('works from an esbuild bundle (the JSON is embedded, no file read at run time)', () => {
    // Prepare
    const bundle = buildSync({
      stdin: {
        contents: `const d = require('./asl/definition'); module.exports = d.workflowPlaceholders();`,
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
    });
    const code = bundle.outputFiles[0].text;
    const module = { exports: undefined as unknown };

    // Act: evaluate with no require at all, so a runtime fs read or JSON require would fail
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the bundle with no require is the test
    new Function('module', 'exports', 'require', code)(module, {}, () => {
      throw new Error('bundle must not require anything');
    });

    // Assess
    expect(code).toContain('arn:aws:states:::mediaconvert:createJob.sync');
    expect(module.exports).toEqual(workflowPlaceholders());
  });

  it('works under tsx', () => {
    // Act
    const out = execFileSync(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      ['-e', `import { workflowPlaceholders } from './asl/definition'; console.log(JSON.stringify(workflowPlaceholders()));`],
      { cwd: ROOT, encoding: 'utf8' },
    );

    // Assess
    expect(JSON.parse(out)).toEqual(workflowPlaceholders());
  });
});
