/**
 * `npm run bench:local`: what the local run costs on top of ffmpeg itself.
 *
 * For a 10 s 1280x720 clip (testsrc2 + sine, made here with ffmpeg):
 *  - local run: wall time of the whole command (`npm run local -- clip --json`), which starts
 *    node, the stand-ins and the handlers, uploads the clip, runs the ASL (probe, plan,
 *    transcode, QC, publish, archive) and copies the outputs out;
 *  - direct ffmpeg: the same ffmpeg command the local transcoder ran (taken from the run's
 *    `ffmpegArgs`), on the same clip, outside any orchestration;
 *  - overhead = (local - direct) / direct (goal <= 10 %);
 *  - throughput with 4 clips at once (`--concurrency 4`), against 4 direct ffmpeg runs at once;
 *  - the cost of the picture-quality gate's measurement (ffmpeg ssim + psnr of every output
 *    against the source, local/quality-measure.ts): its time inside the Transcode task, and the
 *    direct encode without and with the same measuring command. The local run measures as part
 *    of the transcode (MediaConvert does too), so "direct" means encode + measure where the
 *    overhead is computed.
 * Each measurement is the median of 3 runs (min and max shown). Writes bench/results-local.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FFMPEG, ffmpegAvailable } from '../local/ffmpeg';

const ROOT = resolve(__dirname, '..');
const CLIP_SECONDS = 10;
/**
 * `--runs N` (default 3) and `--parallel N` (default 4; 0 skips the parallel part): fewer runs
 * when the machine is shared and busy, at the price of no min/max spread.
 */
const { values: options } = parseArgs({ options: { runs: { type: 'string', default: '3' }, parallel: { type: 'string', default: '4' } } });
const RUNS = Math.max(1, Number(options.runs));
const PARALLEL = Math.max(0, Number(options.parallel));

interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number[];
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1], runs: values };
}

function run(command: string, args: readonly string[], cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
    );
  });
}

interface LocalRecord {
  readonly status: string;
  readonly error?: { name: string; cause: string };
  readonly ffmpegArgs?: string[];
  readonly transcodeMs?: number;
  readonly measureArgs?: string[];
  readonly measureMs?: number;
  /** The video's own time in the run, upload to outputs copied out (local/runtime.ts). */
  readonly wallMs?: number;
}

async function localRun(files: string[], stateDir: string): Promise<{ ms: number; records: LocalRecord[] }> {
  const r = await run(process.execPath, ['--import', 'tsx', 'scripts/local-run.ts', ...files, '--json', '--concurrency', String(files.length), '--state', stateDir]);
  const lines = r.stdout.trim().split('\n');
  const records = JSON.parse(lines[lines.length - 1] ?? '[]') as LocalRecord[];
  const failed = records.filter((x) => x.status !== 'COMPLETED');
  if (r.code !== 0 || failed.length > 0) {
    throw new Error(`local run failed (exit ${r.code}): ${failed.map((f) => `${f.error?.name}: ${f.error?.cause}`).join('; ')}\n${r.stderr}`);
  }
  return { ms: r.ms, records };
}

/** The transcoder's ffmpeg command re-pointed at `clip` and a fresh output folder. */
async function directArgs(args: readonly string[], clip: string, outDir: string): Promise<string[]> {
  const input = args[args.indexOf('-i') + 1];
  const jobWork = dirname(dirname(input));
  const outPrefix = join(jobWork, 'out');
  const mapped = args.map((a) => (a === input ? clip : a.startsWith(outPrefix) ? join(outDir, a.slice(outPrefix.length)) : a));
  for (const a of mapped) if (a.startsWith(outDir)) await mkdir(dirname(a), { recursive: true });
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', ...mapped];
}

/** The encode, then (when given) the quality measurement over its outputs, in `outDir` (the measurement's stats files land there). */
async function directRun(args: readonly string[], clip: string, outDir: string, measure?: readonly string[]): Promise<{ encodeMs: number; measureMs: number }> {
  const full = await directArgs(args, clip, outDir);
  const r = await run(FFMPEG, full);
  if (r.code !== 0) throw new Error(`direct ffmpeg failed: ${r.stderr}`);
  if (!measure) return { encodeMs: r.ms, measureMs: 0 };
  const m = await run(FFMPEG, await directArgs(measure, clip, outDir), outDir);
  if (m.code !== 0) throw new Error(`direct quality measurement failed: ${m.stderr}`);
  return { encodeMs: r.ms, measureMs: m.ms };
}

function row(label: string, s: Stats, unit: string, digits = 2): string {
  const f = (v: number) => v.toFixed(digits);
  return `${label.padEnd(44)} ${f(s.median).padStart(9)} ${f(s.min).padStart(9)} ${f(s.max).padStart(9)}  ${unit}`;
}

async function main(): Promise<number> {
  if (!ffmpegAvailable()) {
    console.warn('ffmpeg/ffprobe not found: skipping the local-run benchmark (install ffmpeg to run it)');
    // Written anyway, so `npm run bench` never reports figures from an older run as current.
    const reason = 'ffmpeg/ffprobe not found';
    await writeFile(join(__dirname, 'results-local.json'), `${JSON.stringify({ skipped: true, reason, at: new Date().toISOString() }, null, 2)}\n`);
    return 0;
  }
  const loadBefore = loadavg()[0];
  const work = await mkdtemp(join(tmpdir(), 'bench-local-'));
  try {
    const clip = join(work, 'clip-720p.mp4');
    const make = await run(FFMPEG, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${CLIP_SECONDS}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_SECONDS}`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-shortest', clip,
    ]);
    if (make.code !== 0) throw new Error(`could not make the clip: ${make.stderr}`);
    const clips = await Promise.all(
      Array.from({ length: PARALLEL }, async (_, i) => {
        const copy = join(work, `clip-720p-${i + 1}.mp4`);
        await copyFile(clip, copy);
        return copy;
      }),
    );

    const single: number[] = [];
    const direct: number[] = [];
    const directEncode: number[] = [];
    const directMeasure: number[] = [];
    const measureInRun: number[] = [];
    // The whole command minus the video's own time: start-up (node, tsx, the CLI, the engine and
    // its stand-ins) and exit, paid once per command whatever the clip's length.
    const fixedPart: number[] = [];
    let measureArgs: string[] | undefined;
    const parallel: number[] = [];
    const directParallel: number[] = [];
    let ffmpegArgs: string[] | undefined;
    let transcodeMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const state = join(work, `state-${i}`);
      const one = await localRun([clip], state);
      single.push(one.ms);
      ffmpegArgs = one.records[0].ffmpegArgs;
      measureArgs = one.records[0].measureArgs;
      transcodeMs.push(one.records[0].transcodeMs ?? NaN);
      measureInRun.push(one.records[0].measureMs ?? NaN);
      fixedPart.push(one.ms - (one.records[0].wallMs ?? NaN));
      if (!ffmpegArgs) throw new Error('the local run reported no ffmpeg command');
      const d = await directRun(ffmpegArgs, clip, join(work, `direct-${i}`), measureArgs);
      direct.push(d.encodeMs + d.measureMs);
      directEncode.push(d.encodeMs);
      directMeasure.push(d.measureMs);

      if (PARALLEL > 0) {
        const four = await localRun(clips, state);
        parallel.push(four.ms);
        const started = process.hrtime.bigint();
        await Promise.all(clips.map((c, k) => directRun(ffmpegArgs!, c, join(work, `direct-${i}-${k}`), measureArgs)));
        directParallel.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      await rm(state, { recursive: true, force: true });
    }
    transcodeMs = transcodeMs.filter((v) => Number.isFinite(v));

    const overheads = single.map((ms, i) => ((ms - direct[i]) / direct[i]) * 100);
    // The same ffmpeg runs (encode + measure) inside the workflow vs the whole command: immune to
    // the direct run landing in a quieter or busier moment than the local one.
    const inRun = single.map((ms, i) => ((ms - transcodeMs[i] - measureInRun[i]) / (transcodeMs[i] + measureInRun[i])) * 100);
    // What the picture-quality gate costs: measuring time as a share of the encode it measures.
    const measureCost = {
      inRunPercent: stats(measureInRun.map((m, i) => (m / transcodeMs[i]) * 100)),
      directPercent: stats(directMeasure.map((m, i) => (m / directEncode[i]) * 100)),
    };
    const s = { single: stats(single), direct: stats(direct), transcode: stats(transcodeMs), overhead: stats(overheads), inRun: stats(inRun) };
    const tput = (ms: number[]) => stats(ms.map((m) => (PARALLEL * 60_000) / m));
    const mediaRate = (ms: number[]) => stats(ms.map((m) => (PARALLEL * CLIP_SECONDS * 1000) / m));
    const throughput =
      parallel.length > 0
        ? { local: tput(parallel), direct: tput(directParallel), localMedia: mediaRate(parallel), directMedia: mediaRate(directParallel) }
        : undefined;
    const overheadMedian = s.overhead.median;

    const lines = [
      `Local run benchmark: ${CLIP_SECONDS} s 1280x720 clip, ${RUNS} runs each, ${cpus().length} CPU(s), ${cpus()[0]?.model ?? 'unknown CPU'}`,
      '',
      `${'measurement'.padEnd(44)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}`,
      row('local run, 1 clip (whole command)', stats(single.map((v) => v / 1000)), 's'),
      row('  of which ffmpeg inside the Transcode task', stats(transcodeMs.map((v) => v / 1000)), 's'),
      row('  of which quality measurement (ssim + psnr)', stats(measureInRun.map((v) => v / 1000)), 's'),
      row('direct ffmpeg encode, without measuring', stats(directEncode.map((v) => v / 1000)), 's'),
      row('direct ffmpeg encode + measuring (same commands)', stats(direct.map((v) => v / 1000)), 's'),
      row('cost of measuring: measure / encode, in the run', measureCost.inRunPercent, '%', 1),
      row('cost of measuring: measure / encode, direct', measureCost.directPercent, '%', 1),
      row('orchestration overhead (local - direct)/direct', s.overhead, '%', 1),
      row('  same run: (local - its ffmpeg)/its ffmpeg', s.inRun, '%', 1),
      row('fixed part: whole command - the video\'s own time', stats(fixedPart.map((v) => v / 1000)), 's'),
      ...(throughput
        ? [
            row(`local run, ${PARALLEL} clips at once (whole command)`, stats(parallel.map((v) => v / 1000)), 's'),
            row(`direct ffmpeg, ${PARALLEL} at once`, stats(directParallel.map((v) => v / 1000)), 's'),
            row(`throughput, local run, ${PARALLEL} at once`, throughput.local, 'clips/min'),
            row(`throughput, direct ffmpeg, ${PARALLEL} at once`, throughput.direct, 'clips/min'),
            row(`media seconds per wall second, local`, throughput.localMedia, 'x'),
            row(`media seconds per wall second, direct`, throughput.directMedia, 'x'),
          ]
        : []),
      '',
      `Overhead goal <= 10 %: ${overheadMedian <= 10 ? 'met' : 'NOT met'} (median ${overheadMedian.toFixed(1)} %).`,
      `Load average (1 min) before/after: ${loadBefore.toFixed(1)} / ${loadavg()[0].toFixed(1)} on ${cpus().length} CPU(s)` +
        (Math.max(loadBefore, loadavg()[0]) > cpus().length ? ' -- the machine was busy: timings are inflated and noisy; rerun on an idle machine.' : '.'),
    ];
    console.log(lines.join('\n'));

    const results = {
      generatedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, platform: process.platform, loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0] },
      clip: { seconds: CLIP_SECONDS, width: 1280, height: 720, fps: 30, audio: true },
      runs: RUNS,
      ffmpegCommand: ffmpegArgs ? ['ffmpeg', ...ffmpegArgs].join(' ') : undefined,
      measureCommand: measureArgs ? ['ffmpeg', ...measureArgs].join(' ') : undefined,
      qualityMeasurement: {
        insideTaskMs: stats(measureInRun),
        directEncodeWithoutMeasuringMs: stats(directEncode),
        directMeasureMs: stats(directMeasure),
        costPercentInRun: measureCost.inRunPercent,
        costPercentDirect: measureCost.directPercent,
      },
      singleClipMs: s.single,
      transcodeInsideTaskMs: s.transcode,
      directFfmpegMs: s.direct,
      overheadPercent: s.overhead,
      inRunOverheadPercent: s.inRun,
      fixedPartMs: stats(fixedPart),
      overheadGoalPercent: 10,
      overheadGoalMet: overheadMedian <= 10,
      ...(throughput
        ? {
            parallel: {
              clips: PARALLEL,
              localMs: stats(parallel),
              directMs: stats(directParallel),
              localClipsPerMinute: throughput.local,
              directClipsPerMinute: throughput.direct,
              localMediaSecondsPerSecond: throughput.localMedia,
              directMediaSecondsPerSecond: throughput.directMedia,
            },
          }
        : {}),
    };
    await writeFile(join(__dirname, 'results-local.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nWrote ${join('bench', 'results-local.json')}`);
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
