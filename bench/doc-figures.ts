/**
 * Figures quoted in README.md and docs/ come from their sources, never from a hand edit:
 * bench/results.json (bench figures), bench/results-local.json (the local-run table), and the
 * synthesized app (resource counts, the IAM simulation matrix size).
 *
 * In a doc, a generated figure sits between markers: `<!-- fig:KEY -->value<!-- /fig -->`
 * (inline) or the same markers on their own lines around a block (a table). `npm run bench`
 * rewrites them (and `npm run docs:figures` without measuring); __tests__/bench/doc-figures.test.ts
 * fails when a doc differs from what its sources give, or names a key nobody computes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OBSERVABILITY_BASELINE, TRACER_ON_NOTE } from './bundles';
import { formatNumber, formatTable, staleGroups, type Figure, type Results } from './report';

const ROOT = resolve(__dirname, '..');
export const RESULTS_FILE = join(ROOT, 'bench', 'results.json');
export const LOCAL_RESULTS_FILE = join(ROOT, 'bench', 'results-local.json');

/** Every file that may hold generated figures. */
export const DOC_FILES = ['README.md', 'SECURITY.md', 'docs/performance.md', 'docs/local-run.md', 'docs/terraform-teams.md', 'docs/scale.md'] as const;

/** What the synthesized app says (counted by `synthFacts`). */
export interface SynthFacts {
  /** Resources per stack (data sources not counted). */
  readonly resources: Readonly<Record<string, number>>;
  /** IAM simulation cases per environment (__tests__/security/matrix.ts). */
  readonly simulationCases: Readonly<Record<string, number>>;
}

interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs?: readonly number[];
}

/** bench/results-local.json, the parts the docs quote. */
export interface LocalResults {
  readonly generatedAt: string;
  readonly clip?: { readonly seconds: number; readonly width: number; readonly height: number };
  readonly runs: number;
  readonly singleClipMs: Stat;
  readonly transcodeInsideTaskMs: Stat;
  readonly directFfmpegMs: Stat;
  readonly overheadPercent: Stat;
  readonly inRunOverheadPercent?: Stat;
  /** Whole command minus the video's own time: start-up and exit (bench/local-run.ts). */
  readonly fixedPartMs?: Stat;
  readonly overheadGoalPercent?: number;
  readonly parallel?: { readonly clips: number; readonly localMs: Stat; readonly directMs: Stat; readonly localClipsPerMinute: Stat; readonly directClipsPerMinute: Stat };
  /** The picture-quality measurement's cost (bench/local-run.ts). */
  readonly qualityMeasurement?: { readonly insideTaskMs: Stat; readonly costPercentInRun: Stat; readonly costPercentDirect: Stat };
  readonly skipped?: unknown;
}

export interface Sources {
  readonly results: Results;
  readonly local?: LocalResults;
  readonly synth: SynthFacts;
}

const day = (iso: string) => iso.slice(0, 10);
const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const s = (ms: number) => `${formatNumber(ms / 1000)} s`;

function finder(results: Results) {
  const stale = staleGroups(results);
  const get = (group: string, name: string): Figure => {
    const f = results.figures.find((x) => x.group === group && x.figure === name);
    if (!f) throw new Error(`doc figures: bench/results.json has no "${group} / ${name}" (run npm run bench -- --only ${group})`);
    return f;
  };
  const verdict = (f: Figure) => `${f.pass === null ? '' : f.pass ? 'PASS' : 'FAIL'}${stale.has(f.group) ? ` (stale: ${day(stale.get(f.group)!)})` : ''}`;
  const byGroup = (group: string, suffix: string) => results.figures.filter((f) => f.group === group && f.figure.endsWith(suffix));
  return { get, verdict, byGroup, stale };
}

/** Lowest-highest of some figures' medians, formatted. */
function span(figures: readonly Figure[], unit: string): string {
  const values = figures.map((f) => f.median);
  return `${formatNumber(Math.min(...values))}-${formatNumber(Math.max(...values))} ${unit}`;
}

/** "synth, bundles 2026-11-30 11:02 UTC; local 2026-11-29 13:41 UTC": groups by when they were measured. */
function groupDates(results: Results): string {
  const byTime = new Map<string, string[]>();
  for (const [g, run] of Object.entries(results.groups)) byTime.set(minute(run.measuredAt), [...(byTime.get(minute(run.measuredAt)) ?? []), g]);
  if (byTime.size === 1) return `every group ${[...byTime.keys()][0]}`;
  return [...byTime].map(([when, groups]) => `${groups.join(', ')} ${when}`).join('; ');
}

/** Every key a doc may use, with its text. */
export function figureValues({ results, local, synth }: Sources): Record<string, string> {
  const { get, verdict, byGroup, stale } = finder(results);
  const values: Record<string, string> = {};
  const machine = results.machine as { cpus?: number; cpuModel?: string; node?: string };
  const machineText = `${machine.cpus ?? '?'} vCPU ${machine.cpuModel ?? ''}, Node ${machine.node ?? '?'}`.replace(/ ,/, ',');

  // --- the benchmark table and its header (docs/performance.md)
  values['bench-header'] = [
    `From \`bench/results.json\`, last written ${minute(results.generatedAt)} on ${machineText}.`,
    `Groups and when they were measured: ${groupDates(results)}.`,
    stale.size === 0 ? 'Every group comes from that last run.' : `Stale groups (from an earlier run, not counted as current): ${[...stale.keys()].join(', ')}.`,
  ].join('\n');
  values['bench-table'] = formatTable(results.figures, stale);

  // --- the three goals of issue #19 and the others, one row each
  const cold = get('synth', 'cold synth / floor');
  const warm = get('synth', 'warm synth / floor');
  const floor = get('synth', 'floor: require cdktf + aws provider');
  const coldS = get('synth', 'app synth, cold bundles (BUNDLE_CACHE=off)');
  const warmS = get('synth', 'app synth, warm bundle cache');
  const inits = byGroup('bundles', ': module init (require)');
  const initPass = inits.filter((f) => f.pass === true);
  const tracerOn = inits.length > 0 && inits.every((f) => f.note === TRACER_ON_NOTE);
  const sizes = byGroup('bundles', ': zip size').filter((f) => f.goal !== null);
  const wasm = byGroup('bundles', ': zip size').find((f) => f.goal === null);
  const npmTest = get('tests', 'npm test (tsc --noEmit + jest)');
  const transitions = get('orchestration', 'state transitions per video');
  const calls = get('orchestration', 'Lambda calls per video (state machine)');
  const total = get('cost per 1,000 videos', 'orchestration total');
  const overhead = get('local', 'local run overhead over ffmpeg');
  const minMax = (f: Figure, unit: string) => `${formatNumber(f.median)} ${unit} (${formatNumber(f.min)}-${formatNumber(f.max)})`;
  const baseline = results.figures.find((f) => f.group === 'bundles' && f.figure === OBSERVABILITY_BASELINE);
  const baselineText = baseline ? `; Tracer + Logger alone, no handler: ${minMax(baseline, 'ms')}` : '';
  const initRange = `${span(inits, 'ms')}${initPass.length === inits.length ? '' : `; over 60 ms: ${inits.filter((f) => f.pass === false).map((f) => `${f.figure.split(':')[0]} ${formatNumber(f.median)}`).join(', ')}`}`;

  values['readme-performance'] = [
    `Latest figures (${groupDates(results)}; ${machineText}):`,
    '',
    '| Figure | Median (min-max) | Goal |',
    '|---|---|---|',
    `| App synth, every bundle rebuilt (BUNDLE_CACHE=off) | ${s(coldS.median * 1000)}, ${minMax(cold, 'x')} the ${s(floor.median * 1000)} floor | ≤ 6x: ${verdict(cold)} |`,
    `| App synth, bundles cached | ${s(warmS.median * 1000)}, ${minMax(warm, 'x')} | ≤ 6x: ${verdict(warm)} |`,
    `| Module init (\`require\` of the bundle${tracerOn ? ', Tracer on' : '; measured before the Tracer was added'}) | ${initRange}${baselineText} | ≤ 60 ms: ${initPass.length} of ${inits.length} |`,
    `| Local run vs the same ffmpeg work | +${minMax(overhead, '%')} | ≤ 10 %: ${verdict(overhead)} |`,
    `| \`npm test\` (tsc beside jest) | ${s(npmTest.median * 1000)} | ≤ 30 s: ${verdict(npmTest)} |`,
    `| Zip per handler (${wasm ? `${wasm.figure.split(':')[0]} with its wasm: ${formatNumber(wasm.median)} KB` : 'all'}) | ${span(sizes, 'KB')} | ≤ 300 KB: ${sizes.every((f) => f.pass) ? 'PASS' : 'FAIL'} |`,
    `| State transitions / Lambda calls per successful video | ${transitions.median} / ${calls.median} | ≤ 11 / ≤ 5: ${verdict(transitions)} / ${verdict(calls)} |`,
    `| Orchestration cost per 1,000 videos (list prices) | $${formatNumber(total.median)} | |`,
  ].join('\n');

  values['goals-table'] = [
    '| Goal | Result |',
    '| --- | --- |',
    `| App synth with every bundle rebuilt <= 6x the floor | ${verdict(cold)} ${formatNumber(cold.median)}x (${s(coldS.median * 1000)} vs ${s(floor.median * 1000)}); bundles cached ${formatNumber(warm.median)}x (${verdict(warm)}) |`,
    `| Module init <= 60 ms per handler, Tracer included | ${initPass.length === inits.length && tracerOn ? 'PASS' : 'FAIL'}${tracerOn ? '' : ' (measured without the Tracer)'}${stale.has('bundles') ? ` (stale: ${day(stale.get('bundles')!)})` : ''}: ${initRange}${baselineText} |`,
    `| Local run overhead <= 10 % | ${verdict(overhead)} ${formatNumber(overhead.median)} % (${formatNumber(overhead.min)}-${formatNumber(overhead.max)}) |`,
    `| \`npm test\` <= 30 s on 2 cores | ${verdict(npmTest)} ${s(npmTest.median * 1000)} |`,
    `| Zip <= 300 KB per handler (extract-metadata aside) | ${sizes.every((f) => f.pass) ? 'PASS' : 'FAIL'} ${span(sizes, 'KB')} |`,
    `| <= 11 transitions, <= 5 Lambda calls per video | ${verdict(transitions)} ${transitions.median} transitions, ${verdict(calls)} ${calls.median} calls |`,
  ].join('\n');

  // --- per-video orchestration (docs/performance.md)
  const orchestration = results.details.orchestration as { cost: { gbSeconds: number; writeUnits: number; stepFunctions: number; lambdaRequests: number; lambdaDuration: number; dynamoWrites: number; dynamoReads: number; total: number }; dynamoWrites: number } | undefined;
  values['per-video.transitions'] = String(transitions.median);
  values['per-video.lambda-calls'] = String(get('orchestration', 'Lambda calls per video incl. start-workflow').median);
  values['per-video.state-machine-lambda-calls'] = String(calls.median);
  values['per-video.dynamo-writes'] = String(get('orchestration', 'DynamoDB writes per video').median);
  values['per-video.gb-seconds'] = `${formatNumber(get('orchestration', 'Lambda GB-seconds per video').median)} GB-s`;
  if (orchestration) {
    const c = orchestration.cost;
    const usd = (v: number) => formatNumber(v);
    values['cost-table'] = [
      '| Per 1,000 successful videos (us-east-1 list prices) | USD |',
      '| --- | --- |',
      `| Step Functions Standard, ${(transitions.median * 1000).toLocaleString('en-US')} transitions | ${usd(c.stepFunctions)} |`,
      `| Lambda requests, ${(Number(values['per-video.lambda-calls']) * 1000).toLocaleString('en-US')} | ${usd(c.lambdaRequests)} |`,
      `| Lambda duration, ${formatNumber(c.gbSeconds * 1000)} GB-s (arm64) | ${usd(c.lambdaDuration)} |`,
      `| DynamoDB writes, ${(c.writeUnits * 1000).toLocaleString('en-US')} WRU (incl. the status index) | ${usd(c.dynamoWrites)} |`,
      `| DynamoDB reads | ${usd(c.dynamoReads)} |`,
      `| **Orchestration total** | **${usd(c.total)}** |`,
    ].join('\n');
  }

  // --- the local run (docs/local-run.md), straight from bench/results-local.json
  if (local && !local.skipped) {
    const row = (name: string, x: Stat, fmt: (v: number) => string) => `| ${name} | ${fmt(x.median)} | ${fmt(x.min)}..${fmt(x.max)} |`;
    const pct = (v: number) => `${formatNumber(v)} %`;
    values['local-header'] = `Median (min..max) of ${local.runs} runs, ${local.clip ? `${local.clip.seconds} s ${local.clip.width}x${local.clip.height}` : 'one'} clip, measured ${minute(local.generatedAt)} (\`bench/results-local.json\`):`;
    values['local-table'] = [
      '| measurement | median | min..max |',
      '|---|---|---|',
      row('local run, 1 clip, whole command', local.singleClipMs, s),
      row('of which ffmpeg inside the Transcode task', local.transcodeInsideTaskMs, s),
      row('direct ffmpeg, same command', local.directFfmpegMs, s),
      row('overhead vs direct run', local.overheadPercent, pct),
      ...(local.inRunOverheadPercent ? [row('overhead within the same run (whole command vs its own ffmpeg)', local.inRunOverheadPercent, pct)] : []),
      ...(local.fixedPartMs ? [row("fixed part: start-up and exit (whole command minus the video's own time)", local.fixedPartMs, s)] : []),
      ...(local.parallel
        ? [
            row(`${local.parallel.clips} clips at once, local run`, local.parallel.localMs, s),
            row(`${local.parallel.clips} clips at once, direct ffmpeg`, local.parallel.directMs, s),
          ]
        : []),
    ].join('\n');
    const goal = local.overheadGoalPercent ?? 10;
    values['local-verdict'] = local.overheadPercent.median <= goal ? `met (${pct(local.overheadPercent.median)} <= ${goal} %)` : `**not met** (${pct(local.overheadPercent.median)} > ${goal} %)`;
  }

  // --- the burst of docs/scale.md: the load group (one `npm run bench:load` run)
  const burst = results.figures.filter((f) => f.group === 'load');
  const load = results.details.load as
    | { jobs: number; completed: number; failed: number; rejected: number; inDlq: number; failures: Record<string, number>; faults: string[]; generatedAt: string; machine: { loadAverageAtStart: number[] } }
    | undefined;
  if (burst.length > 0 && load) {
    const when = stale.get('load') ?? load.generatedAt;
    values['load-table'] = [
      `One run of ${load.jobs.toLocaleString('en-US')} uploads with faults ${load.faults.join(', ')}, ${minute(when)}${stale.has('load') ? ' (stale)' : ''}, load average ${load.machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')} at its start (\`bench/results.json\`, group load):`,
      '',
      '| figure | value | goal |',
      '|---|---|---|',
      ...burst.map((f) => `| ${f.figure} | ${formatNumber(f.median)} ${f.unit} | ${f.goal ?? ''} ${verdict(f)} |`.replace(/ {2,}\|/g, ' |')),
      `| outcomes | ${load.completed.toLocaleString('en-US')} completed, ${load.failed.toLocaleString('en-US')} failed (${Object.entries(load.failures).map(([name, n]) => `${name} ${n.toLocaleString('en-US')}`).join(', ') || 'none'}), ${load.rejected} rejected, ${load.inDlq} in the DLQ | |`,
    ].join('\n');
  }

  // --- the synthesized app
  for (const [stack, count] of Object.entries(synth.resources)) values[`resources.${stack}`] = String(count);
  for (const [env, count] of Object.entries(synth.simulationCases)) values[`simulation-cases.${env}`] = String(count);
  return values;
}

const MARKER = /<!-- fig:([a-z0-9.-]+) -->([\s\S]*?)<!-- \/fig -->/g;

/** The doc with every marked figure replaced; `unknown` lists keys no source computes. */
export function renderDoc(text: string, values: Readonly<Record<string, string>>): { text: string; keys: string[]; unknown: string[] } {
  const keys: string[] = [];
  const unknown: string[] = [];
  const out = text.replace(MARKER, (whole, key: string, body: string) => {
    keys.push(key);
    const value = values[key];
    if (value === undefined) {
      unknown.push(key);
      return whole;
    }
    // A block marker (its own lines) keeps its value on lines of its own.
    const block = body.startsWith('\n');
    return `<!-- fig:${key} -->${block ? `\n${value}\n` : value}<!-- /fig -->`;
  });
  return { text: out, keys, unknown };
}

/** Resource counts and simulation matrix sizes from a synth of the app (as main.ts builds it). */
export function synthFacts(): SynthFacts {
  // Test helpers: the same app synth and access matrix the tests assert on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand: a synth costs a second
  const { synthApp } = require('../__tests__/helpers/synth') as typeof import('../__tests__/helpers/synth');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  const { simulationCases } = require('../__tests__/security/matrix') as typeof import('../__tests__/security/matrix');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  const { ENVIRONMENT_NAMES } = require('../stacks/config') as typeof import('../stacks/config');
  const app = synthApp();
  const resources: Record<string, number> = {};
  for (const [name, stack] of Object.entries(app.stacks)) {
    resources[name] = Object.values(stack.json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
  }
  const cases = Object.fromEntries(ENVIRONMENT_NAMES.map((env) => [env, simulationCases(env).length]));
  return { resources, simulationCases: cases };
}

export function readSources(synth: SynthFacts = synthFacts()): Sources {
  const results = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Results;
  const localRaw = existsSync(LOCAL_RESULTS_FILE) ? (JSON.parse(readFileSync(LOCAL_RESULTS_FILE, 'utf8')) as LocalResults) : undefined;
  return { results, local: localRaw, synth };
}

/** Rewrites the docs from `results` (and the other sources); returns the files it changed. */
export function writeDocFigures(results?: Results): string[] {
  const sources = readSources();
  const values = figureValues(results ? { ...sources, results } : sources);
  const changed: string[] = [];
  for (const file of DOC_FILES) {
    const path = join(ROOT, file);
    const before = readFileSync(path, 'utf8');
    const { text, unknown } = renderDoc(before, values);
    if (unknown.length > 0) throw new Error(`${file}: no source for figure(s) ${unknown.join(', ')}`);
    if (text !== before) {
      writeFileSync(path, text);
      changed.push(file);
    }
  }
  return changed;
}

if (require.main === module) {
  const changed = writeDocFigures();
  console.log(changed.length === 0 ? 'doc figures: up to date' : `doc figures: rewrote ${changed.join(', ')}`);
}
