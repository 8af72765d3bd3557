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
    /** The plan's output group roles in order; absent: the standard order. */
    readonly groupRoles?: readonly OutputGroupRole[];
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
  const master = checkManifest(s3, plan.expectedOutputs, plan.ladder);
  const [input, existence, { checks: manifest }, dash, { check: thumbnailCheck, ...thumbnails }, gate] = await Promise.all([
    checkPinnedInput(s3, event.pinned, event.fileInput),
    Promise.all(files.map((o) => checkExists(s3, o))),
    master,
    checkDashManifest(s3, plan.expectedOutputs, plan.ladder),
    checkThumbnails(s3, plan.expectedOutputs, plan.thumbnailCount),
    // Automated ABR renditions are known only from the master MediaConvert wrote; every other
    // video output is in the plan.
    master.then(({ abrRenditions }) =>
      qualityGate(s3, {
        expectedOutputs: [...plan.expectedOutputs, ...abrRenditions],
        ...(plan.quality !== undefined ? { thresholds: plan.quality } : {}),
        durationSeconds: metadata.durationSeconds,
        ...(metadata.frameRate !== undefined ? { frameRate: metadata.frameRate } : {}),
      }),
    ),
  ]);

  const details = allOutputDetails(transcode, plan.groupRoles);
  const checks: QcCheck[] = [
    input,
    ...existence,
    ...checkDurations(details, metadata.durationSeconds),
    ...checkRungs(details, plan.ladder, plan.expectedOutputs),
    ...manifest,
    ...dash,
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

function checkDurations(details: readonly ReportedOutput[], sourceSeconds: number): QcCheck[] {
  const tolerance = durationTolerance(sourceSeconds);
  const timed = details.filter(({ role }) => role !== 'thumbnails');
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

function checkRungs(details: readonly ReportedOutput[], ladder: readonly LadderRung[], expected: readonly ExpectedOutput[]): QcCheck[] {
  const sizeOf = (d: OutputDetail) => `${d.VideoDetails?.WidthInPx}x${d.VideoDetails?.HeightInPx}`;
  const reported = details.filter(({ role }) => role === 'hls' || role === 'cmaf').map(({ detail }) => sizeOf(detail));
  const checks: QcCheck[] = ladder.map((rung) => {
    const size = `${rung.width}x${rung.height}`;
    const found = reported.includes(size);
    return {
      name: rung.codec === 'H_265' ? `rung:hevc:${size}` : `rung:${size}`,
      passed: found,
      detail: found ? `${codecLabel(rung)}rendition ${size} present` : `${codecLabel(rung)}rendition ${size} missing (MediaConvert reported ${reported.join(', ') || 'none'})`,
    };
  });
  // Every planned MP4 (one for standard, one per aspect for social): by file name when MediaConvert
  // reports paths, else by position among the MP4 group's outputs.
  const mp4Details = details.filter(({ role }) => role === 'mp4');
  expected
    .filter((o) => o.kind === 'mp4')
    .forEach((mp4, i) => {
      if (mp4.width === undefined || mp4.height === undefined) return;
      const want = `${mp4.width}x${mp4.height}`;
      const detail = (mp4Details.find(({ detail: d }) => d.OutputFilePaths?.includes(mp4.uri)) ?? mp4Details[i])?.detail;
      const got = detail === undefined ? 'none' : sizeOf(detail);
      const name = mp4Details.length > 1 || i > 0 ? `mp4-size:${mp4.uri.slice(mp4.uri.lastIndexOf('/') + 1)}` : `mp4-size:${want}`;
      checks.push({ name, passed: got === want, detail: got === want ? `MP4 is ${want}` : `MP4 is ${got}, planned ${want}` });
    });
  return checks;
}

function codecLabel(rung: LadderRung): string {
  return rung.codec === 'H_265' ? 'HEVC ' : 'HLS ';
}

/**
 * A CMAF group's DASH manifest: readable, an MPD, and listing a video Representation of each
 * planned size (MediaConvert writes width/height on each Representation).
 */
async function checkDashManifest(s3: QualityControlDeps['s3'], expected: readonly ExpectedOutput[], ladder: readonly LadderRung[]): Promise<QcCheck[]> {
  const mpd = expected.find((o) => o.kind === 'dash-manifest');
  if (mpd === undefined) return [];
  const { bucket, key } = parseS3Uri(mpd.uri);
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if (isS3NotFound(error)) return [{ name: 'dash-manifest', passed: false, detail: `DASH manifest ${mpd.uri} cannot be read: missing` }];
    throw error;
  }
  const representations = [...text.matchAll(/<Representation\b[^>]*>/g)].map((m) => m[0]);
  const sizes = representations.flatMap((r) => {
    const w = /\bwidth="(\d+)"/.exec(r)?.[1];
    const h = /\bheight="(\d+)"/.exec(r)?.[1];
    return w !== undefined && h !== undefined ? [`${w}x${h}`] : [];
  });
  if (!/<MPD\b/.test(text) || representations.length === 0) {
    return [{ name: 'dash-manifest', passed: false, detail: `DASH manifest ${mpd.uri} is not an MPD with representations` }];
  }
  return [
    { name: 'dash-manifest', passed: true, detail: `DASH manifest lists ${representations.length} representations` },
    ...ladder.map((rung): QcCheck => {
      const size = `${rung.width}x${rung.height}`;
      const listed = sizes.includes(size);
      return { name: `dash:${size}`, passed: listed, detail: listed ? `DASH manifest lists ${size}` : `DASH manifest does not list a ${size} representation (lists ${sizes.join(', ') || 'none'})` };
    }),
  ];
}

interface ManifestCheck {
  readonly checks: QcCheck[];
  /**
   * The video variants of a master whose renditions the plan does not list (Automated ABR:
   * MediaConvert picks them), as outputs the quality gate measures. Empty otherwise.
   */
  readonly abrRenditions: ExpectedOutput[];
}

async function checkManifest(s3: QualityControlDeps['s3'], expected: readonly ExpectedOutput[], ladder: readonly LadderRung[]): Promise<ManifestCheck> {
  const failed = (detail: string): ManifestCheck => ({ checks: [{ name: 'hls-master', passed: false, detail }], abrRenditions: [] });
  const master = expected.find((o) => o.kind === 'hls-master');
  if (master === undefined) {
    // MP4-only profiles (social) plan no streaming group; a ladder without a master is a plan bug.
    return ladder.length === 0 ? { checks: [], abrRenditions: [] } : failed('The plan has no HLS master manifest');
  }
  const { bucket, key } = parseS3Uri(master.uri);
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if (isS3NotFound(error)) return failed(`HLS master ${master.uri} cannot be read: missing`);
    throw error;
  }

  const parser = new Parser();
  parser.push(text);
  parser.end();
  const playlists = parser.manifest.playlists ?? [];
  if (!text.startsWith('#EXTM3U') || playlists.length === 0) {
    return failed(`HLS master ${master.uri} is not a multivariant playlist (no variants)`);
  }
  const listed = playlists.map((p) => {
    const r = p.attributes?.RESOLUTION;
    return { size: r === undefined ? 'unknown' : `${r.width}x${r.height}`, uri: p.uri };
  });
  const folder = master.uri.slice(0, master.uri.lastIndexOf('/') + 1);
  const planned = expected.some((o) => o.kind === 'hls-rendition' && o.uri.startsWith(folder));
  const abrRenditions = planned
    ? []
    : playlists.flatMap((p): ExpectedOutput[] => {
        const r = p.attributes?.RESOLUTION;
        if (r === undefined || /^[a-z]+:/i.test(p.uri) || p.uri.startsWith('/')) return [];
        return [{ kind: 'hls-rendition', uri: `${folder}${p.uri}`, width: r.width, height: r.height, ...(p.attributes?.BANDWIDTH !== undefined ? { maxBitrate: p.attributes.BANDWIDTH } : {}) }];
      });
  return {
    abrRenditions,
    checks: [
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
    ],
  };
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

interface ReportedOutput {
  readonly detail: OutputDetail;
  readonly label: string;
  readonly role: OutputGroupRole | 'unknown';
}

function allOutputDetails(transcode: TranscodeResult, roles?: readonly OutputGroupRole[]): ReportedOutput[] {
  return transcode.outputGroupDetails.flatMap((group, g) => {
    const role = outputGroupRole(group, g, roles);
    return (group.OutputDetails ?? []).map((detail, o) => ({ detail, role, label: detail.OutputFilePaths?.[0] ?? `${role} output ${o + 1}` }));
  });
}

