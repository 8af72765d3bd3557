import { Construct } from 'constructs';
import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget';
import { address, Names } from './lib/naming';

export interface MediaConvertBudgetProps {
  readonly names: Names;
  readonly accountId: string;
  /** Environment name: the value of the `Environment` cost allocation tag the budget filters on. */
  readonly environment: string;
  /** Notification topic (its policy and key let budgets.amazonaws.com publish for this stack's budgets). */
  readonly topicArn: string;
}

/** ARN pattern of this stack's budgets, for the topic and key policies' aws:SourceArn conditions. */
export function budgetArnPattern(names: Names, accountId: string): string {
  return `arn:aws:budgets::${accountId}:budget/${names.prefix}-*`;
}

/**
 * AWS Budgets on this environment's MediaConvert cost: a monthly COST budget filtered to the
 * service and to the `Environment` tag, with an ACTUAL alert at 80 % and a FORECASTED alert at
 * 100 % of the limit, both to the notification topic.
 *
 * MediaConvert bills per job; the Transcode task sets `BillingTagsSource: QUEUE`, so each job's
 * cost carries the tags of this environment's queue (the provider's default tags include
 * `Environment`). https://docs.aws.amazon.com/mediaconvert/latest/apireference/jobs.html
 * (CreateJob `billingTagsSource`). The tag filter needs `Environment` activated as a cost
 * allocation tag in Billing (docs/runbook.md "Spend guardrails"); until then the filter matches
 * nothing, so it is a one-time account step, not optional.
 * Budgets is a global service; the budget ARN is arn:aws:budgets::<account>:budget/<name>.
 */
export class MediaConvertBudget extends Construct {
  readonly budget: BudgetsBudget;

  constructor(scope: Construct, id: string, props: MediaConvertBudgetProps) {
    super(scope, id);
    const alert = (notificationType: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      comparisonOperator: 'GREATER_THAN',
      threshold,
      thresholdType: 'PERCENTAGE',
      notificationType,
      subscriberSnsTopicArns: [props.topicArn],
    });
    this.budget = address(
      new BudgetsBudget(this, 'mediaconvert', {
        name: props.names.of('mediaconvert'),
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        limitAmount: `\${format("%.2f", var.mediaconvert_monthly_budget_usd)}`,
        limitUnit: 'USD',
        costFilter: [
          { name: 'Service', values: ['AWS Elemental MediaConvert'] },
          { name: 'TagKeyValue', values: [`user:Environment$${props.environment}`] },
        ],
        notification: [alert('ACTUAL', 80), alert('FORECASTED', 100)],
      }),
      'mediaconvert',
    );
  }
}
