/**
 * `npm run bench`: the benchmark suite. Prints a table and writes bench/results.json; every
 * timed figure is the median of several runs with min and max. Works on a fresh clone after
 * `npm ci` (no AWS account: the handlers run over mocked SDK clients, the ASL locally).
 *
 *   npm run bench -- [--runs 5] [--heavy-runs 3] [--test-runs 1] [--only synth,tests,bundles,orchestration,mediaconvert,local,load] [--local] [--load]
 *
 * --only        measure some groups; their figures replace the previous ones in results.json and
 *               the other groups are kept, marked stale with the date they were measured
 *
 * --runs        light figures (floor, bundle init, handler time)
 * --heavy-runs  synths (cold, warm, CLI)
 * --test-runs   `npm test` and `jest` (each over a minute on 2 cores: 1 by default to stay near 5 minutes)
 * --local       run `npm run bench:local` (several minutes, needs ffmpeg) instead of reading
 *               bench/results-local.json
 * --load        run `npm run bench:load` (10,000 uploads with every fault: most of an hour on 2
 *               cores) instead of reading bench/results-load.json
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { billedOutputs, minutesByDimension, orchestrationCost, type BilledOutput } from './cost';
import { measureBundles, measureObservabilityBaseline, OBSERVABILITY_BASELINE, TRACER_ON_NOTE } from './bundles';
import { writeDocFigures, type LocalResults } from './doc-figures';
import type { LoadReport } from '../local/load/harness';
import { LAMBDA_MEMORY_MB, PRICES } from './prices';
import { figure, formatNumber, formatTable, mergeResults, single, staleGroups, type Figure, type GroupRun, type Results } from './report';
import { scale, summarize, timeCommand, type CommandOptions, type Summary } from './stats';

const ROOT = resolve(__dirname, '..');
const RESULTS = join(__dirname, 'results.json');
const LOCAL_RESULTS = join(__dirname, 'results-local.json');
const LOAD_RESULTS = join(__dirname, 'results-load.json');
const GROUPS = ['synth', 'tests', 'bundles', 'orchestration', 'mediaconvert', 'local', 'load'] as const;
type Group = (typeof GROUPS)[number];

const KB = 1024;

interface Options {
  readonly runs: number;
  readonly heavyRuns: number;
  readonly testRuns: number;
  readonly only: ReadonlySet<Group>;
  readonly local: boolean;
  readonly load: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      'heavy-runs': { type: 'string', default: '3' },
      'test-runs': { type: 'string', default: '1' },
      only: { type: 'string' },
      local: { type: 'boolean', default: false },
      load: { type: 'boolean', default: false },
    },
  });
  const count = (name: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
    return n;
  };
  const only = (values.only ?? GROUPS.join(',')).split(',').map((g) => g.trim());
  const unknown = only.filter((g) => !(GROUPS as readonly string[]).includes(g));
  if (unknown.length > 0) throw new Error(`--only: unknown group(s) ${unknown.join(', ')}; known: ${GROUPS.join(', ')}`);
  return {
    runs: count('runs', values.runs),
    heavyRuns: count('heavy-runs', values['heavy-runs']),
    testRuns: count('test-runs', values['test-runs']),
    only: new Set(only as Group[]),
    local: values.local ?? false,
    load: values.load ?? false,
  };
}

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Runs a command `runs` times; wall and CPU time summaries in ms. */
function timeRepeated(runs: number, label: string, command: string, args: readonly string[], opts: CommandOptions & { before?: () => void }): { wall: Summary; cpu?: Summary; failedRuns: number[] } {
  const wall: number[] = [];
  const cpu: number[] = [];
  const failedRuns: number[] = [];
  for (let i = 0; i < runs; i++) {
    opts.before?.();
    const r = timeCommand(command, args, opts);
    progress(`${label} run ${i + 1}/${runs}: ${(r.ms / 1000).toFixed(2)} s${r.status === 0 ? '' : ` (exit ${r.status})`}`);
    wall.push(r.ms);
    if (r.cpuMs !== undefined) cpu.push(r.cpuMs);
    if (r.status !== 0) failedRuns.push(i + 1);
  }
  return { wall: summarize(wall), cpu: cpu.length === runs ? summarize(cpu) : undefined, failedRuns };
}

const seconds = (s: Summary) => scale(s, 1 / 1000);

// ---------------------------------------------------------------------------------------------

function benchSynth(o: Options): Figure[] {
  const out = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  const cdktfOut = { CDKTF_OUTDIR: out, CHECKPOINT_DISABLE: '1' };
  try {
    const floor = timeRepeated(o.runs, 'floor', process.execPath, ['-e', "require('cdktf'); require('@cdktf/provider-aws/lib/provider')"], { cwd: ROOT });
    const app = [process.execPath, ['--import', 'tsx', 'main.ts']] as const;
    const cold = timeRepeated(o.heavyRuns, 'synth cold (BUNDLE_CACHE=off)', ...app, { cwd: ROOT, env: { ...cdktfOut, BUNDLE_CACHE: 'off' } });
    const warm = timeRepeated(o.heavyRuns, 'synth warm', ...app, { cwd: ROOT, env: cdktfOut });
    const cli = timeRepeated(o.heavyRuns, 'npm run synth (cdktf CLI)', 'npm', ['run', '--silent', 'synth', '--', '--output', out], { cwd: ROOT, env: { CHECKPOINT_DISABLE: '1' } });
    const ratio = (s: Summary) => scale(s, 1 / floor.wall.median);
    const goal = { op: '<=', value: 6 } as const;
    return [
      figure('synth', 'floor: require cdktf + aws provider', 's', seconds(floor.wall), { cpu: floor.cpu }),
      figure('synth', 'app synth, cold bundles (BUNDLE_CACHE=off)', 's', seconds(cold.wall), { cpu: cold.cpu }),
      figure('synth', 'app synth, warm bundle cache', 's', seconds(warm.wall), { cpu: warm.cpu }),
      figure('synth', 'cold synth / floor', 'x', ratio(cold.wall), { goal }),
      figure('synth', 'warm synth / floor', 'x', ratio(warm.wall), { goal }),
      figure('synth', 'npm run synth (cdktf CLI, warm)', 's', seconds(cli.wall), { cpu: cli.cpu }),
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

interface SlowFile {
  readonly file: string;
  readonly seconds: number;
  readonly tests: number;
}

function benchTests(o: Options): { figures: Figure[]; slowest: SlowFile[] } {
  // A failing test (someone's work in progress) does not make the wall time meaningless: the
  // figure is kept, with the failing runs noted.
  const npmTest = timeRepeated(o.testRuns, 'npm test', 'npm', ['test', '--silent'], { cwd: ROOT, env: { CI: 'true' }, allowFailure: true });
  const json = join(mkdtempSync(join(tmpdir(), 'bench-jest-')), 'jest.json');
  const jest = timeRepeated(o.testRuns, 'jest', 'npx', ['--no-install', 'jest', '--silent', '--json', `--outputFile=${json}`], { cwd: ROOT, env: { CI: 'true' }, allowFailure: true });
  const report = JSON.parse(readFileSync(json, 'utf8')) as {
    numFailedTests: number;
    numTotalTests: number;
    testResults: { name: string; startTime: number; endTime: number; status: string; assertionResults: unknown[] }[];
  };
  const failing = report.testResults.filter((r) => r.status === 'failed').map((r) => relative(ROOT, r.name));
  const failedNote = (runs: number[]) => (runs.length === 0 ? undefined : `non-zero exit in run(s) ${runs.join(', ')}`);
  const jestNote = [failedNote(jest.failedRuns), failing.length ? `last run: ${report.numFailedTests}/${report.numTotalTests} tests failed in ${failing.join(', ')}` : undefined]
    .filter(Boolean)
    .join('; ');
  const slowest = report.testResults
    .map((r) => ({ file: relative(ROOT, r.name), seconds: (r.endTime - r.startTime) / 1000, tests: r.assertionResults.length }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 10);
  return {
    figures: [
      figure('tests', 'npm test (tsc --noEmit + jest)', 's', seconds(npmTest.wall), { goal: { op: '<=', value: 30 }, cpu: npmTest.cpu, note: failedNote(npmTest.failedRuns) }),
      figure('tests', 'jest alone', 's', seconds(jest.wall), { cpu: jest.cpu, note: jestNote || undefined }),
    ],
    slowest,
  };
}

function benchBundles(o: Options): Figure[] {
  const buildDir = join(ROOT, '.build', 'lambda');
  if (!existsSync(buildDir)) {
    progress('no .build/lambda yet: synthesizing once');
    const out = mkdtempSync(join(tmpdir(), 'bench-synth-'));
    timeCommand(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: ROOT, env: { CDKTF_OUTDIR: out } });
    rmSync(out, { recursive: true, force: true });
  }
  progress(`bundles: unzipping and requiring each index.js ${o.runs} times`);
  const perHandler = measureBundles(buildDir, o.runs).flatMap((b) => {
    const withWasm = b.files.some((f) => f.endsWith('.wasm'));
    const size = single('bundles', `${b.name}: zip size`, 'KB', b.zipBytes / KB, {
      ...(b.name === 'extract-metadata' ? {} : { goal: { op: '<=', value: 300 } }),
      ...(withWasm ? { note: `ships ${b.files.filter((f) => f !== 'index.js').join(', ')}; exempt from the size goal` } : {}),
    });
    const init = figure('bundles', `${b.name}: module init (require)`, 'ms', b.initMs, { goal: { op: '<=', value: 60 }, note: TRACER_ON_NOTE });
    return [size, init];
  });
  progress(`bundles: the observability baseline (Tracer + Logger, no handler) ${o.runs} times`);
  const baseline = figure('bundles', OBSERVABILITY_BASELINE, 'ms', measureObservabilityBaseline(o.runs), { note: TRACER_ON_NOTE });
  return [...perHandler, baseline];
}

async function benchOrchestration(o: Options): Promise<{ figures: Figure[]; detail: unknown }> {
  // Imported here: loading the handlers and the ASL engine costs nothing the other groups need.
  const { measureOrchestration } = await import('./orchestration');
  progress(`orchestration: ASL run + real handlers on landscape.mp4, ${o.runs} executions`);
  const m = await measureOrchestration(o.runs);
  const lambdas = Object.entries(m.handlerMs).map(([name, s]) => {
    const memoryMb = LAMBDA_MEMORY_MB[name];
    if (memoryMb === undefined) throw new Error(`no memory size for ${name} in bench/prices.ts`);
    return { name, memoryMb, ms: s.median };
  });
  // start-workflow: conditional put of the QUEUED record + the execution ARN update.
  const startWorkflowWrites = 2;
  const dynamoWrites = m.dynamoWrites + startWorkflowWrites;
  const writeUnitsPerWrite = Math.ceil(m.largestItemBytes / KB);
  // The status index projects ALL attributes: every write is mirrored; a status change is a
  // delete + put in the index (RecordStart, publish), the others one put each.
  const statusChanges = 2;
  const indexWriteUnits = (dynamoWrites + statusChanges) * writeUnitsPerWrite;
  const cost = orchestrationCost({ transitions: m.transitions, lambdas, dynamoWrites, writeUnitsPerWrite, indexWriteUnits, dynamoReads: m.handlerDynamoReads });
  const usd = (name: string, value: number, note?: string) => single('cost per 1,000 videos', name, 'USD', value, note ? { note } : {});
  const figures: Figure[] = [
    single('orchestration', 'state transitions per video', 'count', m.transitions, { goal: { op: '<=', value: 11 } }),
    single('orchestration', 'Lambda calls per video (state machine)', 'count', m.lambdaInvocations, { goal: { op: '<=', value: 5 } }),
    single('orchestration', 'Lambda calls per video incl. start-workflow', 'count', lambdas.length, { note: 'start-workflow runs before the execution' }),
    single('orchestration', 'DynamoDB writes per video', 'count', dynamoWrites, { note: `${m.dynamoWrites} in the execution + ${startWorkflowWrites} by start-workflow` }),
    ...Object.entries(m.handlerMs).map(([name, s]) => figure('orchestration', `${name}: handler time`, 'ms', s, { note: 'AWS calls mocked: no network latency' })),
    single('orchestration', 'Lambda GB-seconds per video', 'GB-s', cost.gbSeconds),
    usd('Step Functions transitions', cost.stepFunctions),
    usd('Lambda requests', cost.lambdaRequests),
    usd('Lambda duration (arm64)', cost.lambdaDuration),
    usd('DynamoDB writes (incl. status index)', cost.dynamoWrites, `${cost.writeUnits} WRU per video`),
    usd('DynamoDB reads', cost.dynamoReads),
    usd('orchestration total', cost.total),
  ];
  if (m.realRun.transitions !== m.transitions || m.realRun.lambdaInvocations !== m.lambdaInvocations) {
    throw new Error(`the real-handler run disagrees with runSuccessfulExecution: ${JSON.stringify(m.realRun)} vs ${m.transitions}/${m.lambdaInvocations}`);
  }
  return { figures, detail: { ...m, lambdas, cost, writeUnitsPerWrite, indexWriteUnits } };
}

interface Scenario {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  readonly durationSeconds: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: '10-min 1080p30', width: 1920, height: 1080, frameRate: 30, durationSeconds: 600 },
  { name: '10-min 720p30', width: 1280, height: 720, frameRate: 30, durationSeconds: 600 },
];

async function benchMediaConvert(): Promise<{ figures: Figure[]; detail: unknown }> {
  const { planTranscode, DEFAULT_MAX_DURATION_SECONDS, DEFAULT_THUMBNAIL_INTERVAL_SECONDS, MAX_THUMBNAILS } = await import('../handlers/plan-transcode/plan');
  const figures: Figure[] = [];
  const detail: Record<string, { outputs: BilledOutput[]; minutes: Record<string, number>; ladder: unknown }> = {};
  for (const s of SCENARIOS) {
    const plan = planTranscode(
      {
        jobId: '0123456789abcdef0123456789abcdef',
        source: { bucket: 'source', key: `uploads/${s.name}.mp4`, etag: 'etag', size: 1 },
        metadata: {
          container: 'MPEG-4',
          durationSeconds: s.durationSeconds,
          width: s.width,
          height: s.height,
          displayWidth: s.width,
          displayHeight: s.height,
          displayAspectRatio: s.width / s.height,
          rotation: 0,
          frameRate: s.frameRate,
          videoCodec: 'AVC',
          audioTrackCount: 1,
          audioCodec: 'AAC',
          bytesRead: 0,
        },
      },
      { outputBucket: 'output', maxDurationSeconds: DEFAULT_MAX_DURATION_SECONDS, thumbnailIntervalSeconds: DEFAULT_THUMBNAIL_INTERVAL_SECONDS, maxThumbnails: MAX_THUMBNAILS },
    );
    const outputs = billedOutputs(plan.settings, s);
    const minutes = minutesByDimension(outputs);
    const aboveSource = outputs.filter((o) => o.kind !== 'audio-only' && ((o.width ?? 0) > s.width || (o.height ?? 0) > s.height));
    figures.push(single('mediaconvert', `${s.name}: outputs above the source size`, 'count', aboveSource.length, { goal: { op: '==', value: 0 } }));
    for (const [dimension, value] of Object.entries(minutes)) {
      figures.push(single('mediaconvert', `${s.name}: ${dimension}`, 'output min', value, dimension.startsWith('frame capture') ? { note: 'billing of frame capture outputs unverified' } : {}));
    }
    detail[s.name] = { outputs, minutes, ladder: plan.ladder };
  }
  return { figures, detail };
}

function benchLocal(o: Options): { figures: Figure[]; detail: unknown; measuredAt?: string } {
  if (o.local) {
    progress('local: npm run bench:local (several minutes)');
    const r = timeCommand('npm', ['run', '--silent', 'bench:local'], { cwd: ROOT, timeoutMs: 30 * 60_000 });
    process.stderr.write(r.stdout);
  }
  if (!existsSync(LOCAL_RESULTS)) {
    progress('local: bench/results-local.json not found (run `npm run bench:local`, or `npm run bench -- --local`; it skips without ffmpeg)');
    return { figures: [], detail: null };
  }
  const local = JSON.parse(readFileSync(LOCAL_RESULTS, 'utf8')) as LocalResults & { readonly reason?: string };
  if (local.skipped) {
    progress(`local: skipped by bench:local (${local.reason ?? JSON.stringify(local.skipped)})`);
    return { figures: [], detail: local };
  }
  const note = `from bench/results-local.json, ${local.generatedAt}`;
  // Figures read from an earlier `npm run bench:local` are as old as that file.
  const measuredAt = o.local ? undefined : String(local.generatedAt);
  const stat = (x: { median: number; min: number; max: number; runs?: readonly number[] }): Summary => ({ median: x.median, min: x.min, max: x.max, samples: x.runs ?? [x.median] });
  const figures: Figure[] = [
    figure('local', 'local run overhead over ffmpeg', '%', stat(local.overheadPercent), { goal: { op: '<=', value: local.overheadGoalPercent ?? 10 }, note }),
    figure('local', `local run, one ${local.clip?.seconds ?? '?'} s clip`, 's', seconds(stat(local.singleClipMs)), { note }),
    figure('local', 'direct ffmpeg, same clip', 's', seconds(stat(local.directFfmpegMs)), { note }),
    ...(local.fixedPartMs ? [figure('local', "local run, fixed part (whole command minus the video's own time)", 's', seconds(stat(local.fixedPartMs)), { note })] : []),
    ...(local.qualityMeasurement
      ? [
          figure('local', 'quality measurement (ssim + psnr) inside the transcode', 's', seconds(stat(local.qualityMeasurement.insideTaskMs)), { note }),
          figure('local', 'cost of measuring quality (measure / encode)', '%', stat(local.qualityMeasurement.costPercentInRun), { note }),
        ]
      : []),
  ];
  if (local.parallel) {
    figures.push(
      figure('local', `local run, ${local.parallel.clips} clips at once`, 'clips/min', stat(local.parallel.localClipsPerMinute), { note }),
      figure('local', `direct ffmpeg, ${local.parallel.clips} at once`, 'clips/min', stat(local.parallel.directClipsPerMinute), { note }),
    );
  }
  return { figures, detail: local, measuredAt };
}

/** What `npm run bench:load` (scripts/load-test.ts --out) writes. */
interface LoadResults extends LoadReport {
  readonly generatedAt: string;
  readonly passed: boolean;
  readonly faults: readonly string[];
  readonly machine: { readonly cpus: number; readonly loadAverageAtStart: readonly number[]; readonly loadAverageAtEnd: readonly number[] };
}

/** The burst of docs/scale.md: one run of 10,000 uploads with every fault (too long to repeat). */
function benchLoad(o: Options): { figures: Figure[]; detail: unknown; measuredAt?: string } {
  if (o.load) {
    progress('load: npm run bench:load (10,000 uploads, every fault; most of an hour)');
    const r = timeCommand('npm', ['run', '--silent', 'bench:load'], { cwd: ROOT, timeoutMs: 3 * 60 * 60_000 });
    process.stderr.write(r.stdout);
  }
  if (!existsSync(LOAD_RESULTS)) {
    progress('load: bench/results-load.json not found (run `npm run bench:load`, or `npm run bench -- --load`)');
    return { figures: [], detail: null };
  }
  const load = JSON.parse(readFileSync(LOAD_RESULTS, 'utf8')) as LoadResults;
  const note = `one run of ${load.jobs.toLocaleString('en-US')} uploads, faults ${load.faults.join(',') || 'none'}; bench/results-load.json, ${load.generatedAt}; load average ${load.machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')} at start`;
  const measuredAt = o.load ? undefined : load.generatedAt;
  const figures: Figure[] = [
    single('load', `burst of ${load.jobs.toLocaleString('en-US')}: uploads lost`, 'uploads', load.lost, { goal: { op: '==', value: 0 }, note }),
    single('load', 'burst: key+version started twice', 'executions', load.duplicateExecutions, { goal: { op: '==', value: 0 }, note }),
    single('load', 'burst: progress regressed', 'records', load.regressedProgress, { goal: { op: '==', value: 0 }, note }),
    single('load', 'burst: drained in', 's', load.wallSeconds, { note }),
    single('load', 'burst: throughput', 'jobs/s', load.jobsPerSecond, { note }),
    single('load', 'burst: peak RSS', 'MB', load.peakRssMb, { note }),
  ];
  return { figures, detail: load, measuredAt };
}

async function main(): Promise<void> {
  const o = options();
  const started = Date.now();
  const generatedAt = new Date().toISOString();
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const errors: { group: Group; message: string }[] = [];
  const groups: Record<string, GroupRun> = {};
  // One broken group (a synth error, a missing fixture) must not throw away the others' figures.
  type GroupResult = { figures: Figure[]; detail?: unknown; key?: string; measuredAt?: string };
  const group = async (name: Group, bench: () => GroupResult | Promise<GroupResult>) => {
    if (!o.only.has(name)) return;
    try {
      const r = await bench();
      figures.push(...r.figures);
      // Keyed by the figures' group (orchestration also writes the 'cost per 1,000 videos' rows).
      for (const g of new Set(r.figures.map((f) => f.group))) groups[g] = { measuredAt: r.measuredAt ?? generatedAt };
      if (r.detail !== undefined) details[r.key ?? name] = r.detail;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      progress(`${name} FAILED: ${message}`);
      errors.push({ group: name, message });
    }
  };
  // Synth first: it (re)builds .build/lambda, which the bundle figures read.
  await group('synth', () => ({ figures: benchSynth(o) }));
  await group('bundles', () => ({ figures: benchBundles(o) }));
  await group('orchestration', () => benchOrchestration(o));
  await group('mediaconvert', () => benchMediaConvert());
  await group('tests', () => {
    const r = benchTests(o);
    return { figures: r.figures, detail: r.slowest, key: 'slowestTestFiles' };
  });
  await group('local', () => benchLocal(o));
  await group('load', () => benchLoad(o));

  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform, loadAverageAtEnd: loadavg() };
  const current: Results = {
    generatedAt,
    durationSeconds: (Date.now() - started) / 1000,
    machine,
    options: { runs: o.runs, heavyRuns: o.heavyRuns, testRuns: o.testRuns, groups: [...o.only] },
    prices: PRICES,
    groups,
    figures,
    details,
    errors,
  };
  const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Partial<Results>) : undefined;
  const results = mergeResults(previous, current, ['synth', 'bundles', 'orchestration', 'cost per 1,000 videos', 'mediaconvert', 'tests', 'local']);
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  const stale = staleGroups(results);
  const docs = writeDocFigures(results);
  if (docs.length > 0) progress(`doc figures updated: ${docs.join(', ')}`);

  console.log(formatTable(results.figures, stale));
  for (const [g, at] of stale) console.log(`(stale) ${g}: measured ${at}, not in this run`);
  const notes = figures.filter((f) => f.note !== undefined);
  if (notes.length > 0) {
    console.log('\nNotes:');
    for (const f of notes) console.log(`  ${f.group} / ${f.figure}: ${f.note}`);
  }
  const slowest = details.slowestTestFiles as SlowFile[] | undefined;
  if (slowest) {
    console.log('\nSlowest test files (jest --json):');
    for (const f of slowest) console.log(`  ${formatNumber(f.seconds).padStart(6)} s  ${f.file} (${f.tests} tests)`);
  }
  const fresh = results.figures.filter((f) => !stale.has(f.group));
  const failed = fresh.filter((f) => f.pass === false);
  for (const e of errors) console.log(`\nERROR in ${e.group}: ${e.message}`);
  console.log(`\n${fresh.filter((f) => f.pass === true).length} PASS, ${failed.length} FAIL (current groups only), ${errors.length} group error(s); ${machine.cpus} CPUs, load average ${machine.loadAverageAtEnd.map((l) => l.toFixed(1)).join(' ')}; ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${relative(ROOT, RESULTS)}`);
  // Goals that are missed are findings, reported in the table; a group that could not be
  // measured at all is an error.
  if (errors.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
