import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';

/**
 * How fast the ingest queue is drained (docs/scale.md): stack-level variables, so the tfvars
 * names are stable. Declared apart from StackVariables because they size one construct.
 */
export class IngestVariables {
  readonly batchSize: TerraformVariable;
  readonly batchingWindowSeconds: TerraformVariable;
  readonly maximumConcurrency: TerraformVariable;

  constructor(scope: Construct) {
    this.batchSize = new TerraformVariable(scope, 'ingest_batch_size', {
      type: 'number',
      default: 10,
      description:
        'Messages per start-workflow invocation. start-workflow handles a batch sequentially (about 4 AWS calls per upload) within its timeout, so more than 10 buys little.',
      validation: [
        {
          condition: '${var.ingest_batch_size >= 1 && var.ingest_batch_size <= 10}',
          errorMessage: 'ingest_batch_size must be between 1 and 10.',
        },
      ],
    });
    this.batchingWindowSeconds = new TerraformVariable(scope, 'ingest_batching_window_seconds', {
      type: 'number',
      default: 5,
      description:
        'How long Lambda gathers messages before invoking start-workflow (seconds). The queue visibility timeout grows with it (6 x function timeout + this window).',
      validation: [
        {
          condition: '${var.ingest_batching_window_seconds >= 0 && var.ingest_batching_window_seconds <= 300}',
          errorMessage: 'ingest_batching_window_seconds must be between 0 and 300 (the Lambda limit).',
        },
      ],
    });
    this.maximumConcurrency = new TerraformVariable(scope, 'ingest_maximum_concurrency', {
      type: 'number',
      default: 10,
      description:
        'Most concurrent start-workflow invocations from the ingest queue (event source maximum concurrency). Each starts about 5-10 executions per second; see docs/scale.md before raising it.',
      validation: [
        {
          condition: '${var.ingest_maximum_concurrency >= 2 && var.ingest_maximum_concurrency <= 1000}',
          errorMessage: 'ingest_maximum_concurrency must be between 2 and 1000 (the Lambda limits for SQS maximum concurrency).',
        },
      ],
    });
  }
}
