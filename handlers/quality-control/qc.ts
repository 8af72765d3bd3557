import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Parser } from 'm3u8-parser';
import { outputGroupRole, type OutputGroupDetail, type OutputGroupRole } from '../shared/output-groups';
import type { ExpectedOutput, LadderRung, QcCheck, QcErrorName, QcResult, TranscodeResult } from '../shared/job';
import type { LogSink } from '../shared/logger';
import type { QualityThresholds } from '../shared/quality-thresholds';
import { qualityGate } from './quality-gate';
import { checkPinnedInput } from './input-check';
import type { PinnedSource } from '../shared/pinned-source';
import { isS3NotFound } from '../shared/s3-errors';
import { parseS3Uri } from '../shared/s3-uri';

export interface QualityControlEvent {
  readonly jobId: string;
  readonly metadata: { readonly durationSeconds: number; readonly frameRate?: number };
  readonly plan: {
    /** The profile's picture-quality floors (plan-transcode always sets them; defaults when absent). */
    readonly quality?: QualityThresholds;
    readonly expectedOutputs: readonly ExpectedOutput[];
    readonly ladder: readonly LadderRung[];
    readonly thumbnailCount: number;
    readonly outputPrefix: string;
  };
  readonly transcode: TranscodeResult;
  /** PinSource's copy and the FileInput the transcode read (input-check.ts). */
  readonly pinned?: PinnedSource;
  readonly fileInput?: string;
}

export interface QualityControlDeps {
  readonly s3: Pick<S3Client, 'send'>;
  readonly log: LogSink;
}

/** An output may differ from the source by this much: MediaConvert pads/trims to whole frames and AAC frames. */
export function durationTolerance(sourceSeconds: number): number {
  return Math.max(0.5, sourceSeconds * 0.02);
}

type OutputDetail = NonNullable<OutputGroupDetail['OutputDetails']>[number];

/**
 * Checks MediaConvert's real outputs against the plan. Failed checks are returned (the state
 * machine's Choice routes them to the failure path), never thrown; S3 errors other than
 * "not found" (throttling, access denied) propagate so Step Functions retries or fails the task.
 */
export async function qualityControl(event: QualityControlEvent, deps: QualityControlDeps): Promise<QcResult> {
  const { plan, transcode, metadata } = event;
  const s3 = deps.s3;

  const files = plan.expectedOutputs.filter((o) => o.kind !== 'thumbnail');
  const [input, existence, manifest, { check: thumbnailCheck, ...thumbnails }, gate] = await Promise.all([
    checkPinnedInput(s3, event.pinned, event.fileInput),
    Promise.all(files.map((o) => checkExists(s3, o))),
    checkManifest(s3, plan.expectedOutputs, plan.ladder),
    checkThumbnails(s3, plan.expectedOutputs, plan.thumbnailCount),
    qualityGate(s3, {
      expectedOutputs: plan.expectedOutputs,
      ...(plan.quality !== undefined ? { thresholds: plan.quality } : {}),
      durationSeconds: metadata.durationSeconds,
      ...(metadata.frameRate !== undefined ? { frameRate: metadata.frameRate } : {}),
    }),
  ]);

  const checks: QcCheck[] = [
    input,
    ...existence,
    ...checkDurations(transcode, metadata.durationSeconds),
    ...checkRungs(transcode, plan.ladder, plan.expectedOutputs),
    ...manifest,
    thumbnailCheck,
  ];
  const structuralFailed = checks.some((c) => !c.passed);
  checks.push(...gate.checks);
  const failures = checks.filter((c) => !c.passed).map((c) => c.detail);
  // The job's error names the most basic problem: broken outputs, then unmeasured ones, then poor pictures.
  const error: QcErrorName | undefined =
    failures.length === 0
      ? undefined
      : !structuralFailed && gate.metricsMissing
        ? 'QualityMetricsMissing'
        : !structuralFailed && gate.belowThreshold
          ? 'QualityBelowThreshold'
          : 'QualityCheckFailed';
  deps.log.info('Quality checks done', { checkCount: checks.length, failedCount: failures.length, error, measuredRungs: gate.quality.rungs.length });
  return {
    passed: failures.length === 0,
    ...(error !== undefined ? { error } : {}),
    checks,
    failures,
    thumbnails: thumbnails.found,
    quality: gate.quality,
  };
}

async function checkExists(s3: QualityControlDeps['s3'], output: ExpectedOutput): Promise<QcCheck> {
  const name = `exists:${output.kind}:${output.uri}`;
  const { bucket, key } = parseS3Uri(output.uri);
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const size = head.ContentLength ?? 0;
    return size > 0
      ? { name, passed: true, detail: `${output.uri} exists (${size} bytes)` }
      : { name, passed: false, detail: `${output.uri} is empty (0 bytes)` };
  } catch (error) {
    if (isS3NotFound(error)) return { name, passed: false, detail: `${output.uri} is missing` };
    throw error;
  }
}

function checkDurations(transcode: TranscodeResult, sourceSeconds: number): QcCheck[] {
  const tolerance = durationTolerance(sourceSeconds);
  const timed = allOutputDetails(transcode).filter(({ role }) => role !== 'thumbnails');
  if (timed.length === 0) {
    return [{ name: 'durations', passed: false, detail: 'MediaConvert reported no outputs with a duration' }];
  }
  return timed.map(({ detail, label }) => {
    const name = `duration:${label}`;
    if (detail.DurationInMs === undefined) return { name, passed: false, detail: `${label} reported no duration` };
    const seconds = detail.DurationInMs / 1000;
    const off = Math.abs(seconds - sourceSeconds);
    const facts = `${label} lasts ${seconds.toFixed(3)} s, source ${sourceSeconds.toFixed(3)} s (tolerance ${tolerance.toFixed(3)} s)`;
    return { name, passed: off <= tolerance, detail: off <= tolerance ? facts : `Duration mismatch: ${facts}` };
  });
}

function checkRungs(transcode: TranscodeResult, ladder: readonly LadderRung[], expected: readonly ExpectedOutput[]): QcCheck[] {
  const sizeOf = (d: OutputDetail) => `${d.VideoDetails?.WidthInPx}x${d.VideoDetails?.HeightInPx}`;
  const details = allOutputDetails(transcode);
  const reported = details.filter(({ role }) => role === 'hls').map(({ detail }) => sizeOf(detail));
  const checks: QcCheck[] = ladder.map((rung) => {
    const size = `${rung.width}x${rung.height}`;
    const found = reported.includes(size);
    return {
      name: `rung:${size}`,
      passed: found,
      detail: found ? `HLS rendition ${size} present` : `HLS rendition ${size} missing (MediaConvert reported ${reported.join(', ') || 'none'})`,
    };
  });
  const mp4 = expected.find((o) => o.kind === 'mp4');
  if (mp4?.width !== undefined && mp4.height !== undefined) {
    const want = `${mp4.width}x${mp4.height}`;
    const detail = details.find(({ role }) => role === 'mp4')?.detail;
    const got = detail === undefined ? 'none' : sizeOf(detail);
    checks.push({ name: `mp4-size:${want}`, passed: got === want, detail: got === want ? `MP4 is ${want}` : `MP4 is ${got}, planned ${want}` });
  }
  return checks;
}

async function checkManifest(s3: QualityControlDeps['s3'], expected: readonly ExpectedOutput[], ladder: readonly LadderRung[]): Promise<QcCheck[]> {
  const master = expected.find((o) => o.kind === 'hls-master');
  if (master === undefined) return [{ name: 'hls-master', passed: false, detail: 'The plan has no HLS master manifest' }];
  const { bucket, key } = parseS3Uri(master.uri);
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if (isS3NotFound(error)) return [{ name: 'hls-master', passed: false, detail: `HLS master ${master.uri} cannot be read: missing` }];
    throw error;
  }

  const parser = new Parser();
  parser.push(text);
  parser.end();
  const playlists = parser.manifest.playlists ?? [];
  if (!text.startsWith('#EXTM3U') || playlists.length === 0) {
    return [{ name: 'hls-master', passed: false, detail: `HLS master ${master.uri} is not a multivariant playlist (no variants)` }];
  }
  const listed = playlists.map((p) => {
    const r = p.attributes?.RESOLUTION;
    return { size: r === undefined ? 'unknown' : `${r.width}x${r.height}`, uri: p.uri };
  });
  return [
    { name: 'hls-master', passed: true, detail: `HLS master lists ${playlists.length} variants` },
    ...ladder.map((rung): QcCheck => {
      const size = `${rung.width}x${rung.height}`;
      const variant = listed.find((l) => l.size === size);
      return {
        name: `manifest:${size}`,
        passed: variant !== undefined,
        detail:
          variant !== undefined
            ? `HLS master lists ${size} (${variant.uri})`
            : `HLS master does not list a ${size} rendition (lists ${listed.map((l) => l.size).join(', ')})`,
      };
    }),
  ];
}

/** How many thumbnail URIs QC hands on to publish (keeps the state small). */
export const MAX_LISTED_THUMBNAILS = 20;

async function checkThumbnails(
  s3: QualityControlDeps['s3'],
  expected: readonly ExpectedOutput[],
  planned: number,
): Promise<{ check: QcCheck; found: string[] }> {
  const name = 'thumbnails';
  const thumbnail = expected.find((o) => o.kind === 'thumbnail');
  if (thumbnail === undefined) return { check: { name, passed: false, detail: 'The plan has no thumbnail output' }, found: [] };
  const { bucket, key } = parseS3Uri(thumbnail.uri);
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1000 }));
  const jpegs = (listing.Contents ?? []).filter((o) => /\.jpe?g$/i.test(o.Key ?? '') && (o.Size ?? 0) > 0);
  const found = jpegs
    .map((o) => `s3://${bucket}/${o.Key}`)
    .sort()
    .slice(0, MAX_LISTED_THUMBNAILS);
  return jpegs.length >= 1
    ? { check: { name, passed: true, detail: `${jpegs.length} thumbnails under ${thumbnail.uri} (planned ${planned})` }, found }
    : { check: { name, passed: false, detail: `No JPEG thumbnails under ${thumbnail.uri} (planned ${planned})` }, found };
}

function allOutputDetails(transcode: TranscodeResult): { detail: OutputDetail; label: string; role: OutputGroupRole | 'unknown' }[] {
  return transcode.outputGroupDetails.flatMap((group, g) => {
    const role = outputGroupRole(group, g);
    return (group.OutputDetails ?? []).map((detail, o) => ({ detail, role, label: detail.OutputFilePaths?.[0] ?? `${role} output ${o + 1}` }));
  });
}

