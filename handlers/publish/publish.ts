import { outputGroupRole, type OutputGroupRole } from '../shared/output-groups';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import * as z from '../shared/zod';
import { errorName, MalformedEvent, QualityCheckFailed } from '../shared/errors';
import { ExpectedOutput, JOB_ID_PATTERN, OUTPUT_KINDS, JobOutputs, MediaMetadata, TranscodeResult } from '../shared/job';
import type { JobEventSink } from '../shared/job-events';
import { JobStore } from '../shared/job-store';
import { LogSink, silentLog } from '../shared/logger';
import { DeliverySettings, playbackFor } from '../shared/playback';
import { toPublicJob, unsignedView } from '../shared/public-job';
import { nonEmptyString, qualityReportSchema, sourceRefSchema } from '../shared/schemas';

/** The Publish task's Parameters in asl/video-workflow.asl.json. */
export const publishInputSchema = z.object({
  jobId: z.string().check(z.regex(JOB_ID_PATTERN)),
  source: sourceRefSchema,
  metadata: z.record(z.string(), z.unknown()),
  plan: z.object({
    expectedOutputs: z.array(
      z.looseObject({ kind: z.enum(OUTPUT_KINDS), uri: z.string() }),
    ),
    outputPrefix: z.string(),
    groupRoles: z.optional(z.array(z.enum(['mp4', 'hls', 'cmaf', 'thumbnails']))),
  }),
  transcode: z.object({
    mediaConvertJobId: nonEmptyString(),
    outputGroupDetails: z.array(
      z.looseObject({
        OutputDetails: z.optional(z.array(z.looseObject({ OutputFilePaths: z.optional(z.array(z.string())) }))),
        PlaylistFilePaths: z.optional(z.array(z.string())),
        Type: z.optional(z.string()),
      }),
    ),
  }),
  qc: z.object({
    passed: z.boolean(),
    checks: z.array(z.unknown()),
    failures: z.array(z.string()),
    thumbnails: z.optional(z.array(z.string())),
    quality: z.optional(qualityReportSchema),
  }),
});

export type PublishInput = z.infer<typeof publishInputSchema>;

export interface PublishResult {
  readonly outputs: JobOutputs;
  readonly notified: boolean;
}

export interface PublishDeps {
  readonly store: JobStore;
  readonly sns: Pick<SNSClient, 'send'>;
  readonly topicArn: string;
  readonly outputBucket: string;
  /** Where playback is served (DELIVERY_BASE_URL): the record's playback URLs use it. */
  readonly delivery?: DeliverySettings;
  readonly now?: () => Date;
  readonly log?: LogSink;
  /** Called once, when this invocation moved the job to COMPLETED (not on a retry). */
  readonly onCompleted?: (durationSeconds: number) => void;
  /** Puts the `Video Job Completed` event (also on a retry: delivery is at least once). */
  readonly events: JobEventSink;
}

const IMAGE = /\.(jpe?g|png)$/i;

/**
 * Output URIs from what MediaConvert reports (OutputFilePaths / PlaylistFilePaths), falling
 * back to the plan's expected outputs for anything it did not report. For HLS the first
 * playlist path is the master manifest.
 */
export function deriveOutputs(
  transcode: Pick<TranscodeResult, 'outputGroupDetails'>,
  expected: readonly ExpectedOutput[],
  qcThumbnails: readonly string[] = [],
  groupRoles?: readonly OutputGroupRole[],
): JobOutputs {
  const mp4: string[] = [];
  const thumbnails: string[] = [];
  let hls: string | undefined;
  let dash: string | undefined;
  transcode.outputGroupDetails.forEach((group, index) => {
    const files = (group.OutputDetails ?? []).flatMap((d) => d.OutputFilePaths ?? []);
    const role = outputGroupRole(group, index, groupRoles);
    if (role === 'hls' || role === 'cmaf') hls ??= group.PlaylistFilePaths?.find((p) => p.endsWith('.m3u8'));
    if (role === 'cmaf') dash ??= group.PlaylistFilePaths?.find((p) => p.endsWith('.mpd'));
    else if (role === 'mp4') mp4.push(...files.filter((file) => file.toLowerCase().endsWith('.mp4')));
    else if (role === 'thumbnails') thumbnails.push(...files.filter((file) => IMAGE.test(file)));
  });
  const expectedOf = (kind: ExpectedOutput['kind']) => expected.filter((o) => o.kind === kind).map((o) => o.uri);
  const dashUri = dash ?? expectedOf('dash-manifest')[0];
  return {
    mp4: mp4.length > 0 ? mp4 : expectedOf('mp4'),
    hls: hls ?? expectedOf('hls-master')[0],
    ...(dashUri !== undefined ? { dash: dashUri } : {}),
    // GetJob (the .sync result) reports no paths: QC listed the real thumbnails.
    thumbnails: thumbnails.length > 0 ? thumbnails : qcThumbnails.length > 0 ? [...qcThumbnails] : expectedOf('thumbnail'),
  };
}

/**
 * PROCESSING -> COMPLETED with the outputs, then the success notification. A retry after
 * COMPLETED was written proceeds to the notification; nothing throws once COMPLETED is stored.
 */
export async function publish(input: PublishInput, deps: PublishDeps): Promise<PublishResult> {
  const log = deps.log ?? silentLog;
  if (!input.qc.passed) {
    // The Choice state routes failed QC elsewhere; refusing here keeps a wiring mistake from publishing.
    throw new QualityCheckFailed('Refusing to publish outputs that failed quality control', {
      context: { jobId: input.jobId, failures: input.qc.failures },
    });
  }
  const outputs = deriveOutputs(input.transcode, input.plan.expectedOutputs, input.qc.thumbnails, input.plan.groupRoles);
  const prefix = `s3://${deps.outputBucket}/`;
  const stray = [...outputs.mp4, ...(outputs.hls ? [outputs.hls] : []), ...(outputs.dash ? [outputs.dash] : []), ...outputs.thumbnails].find((uri) => !uri.startsWith(prefix));
  // A profile may have no MP4 (premium, auto-abr: CMAF only) but every profile has something to play.
  if (stray !== undefined || (outputs.mp4.length === 0 && outputs.hls === undefined)) {
    throw new MalformedEvent(stray ? 'Output is outside the output bucket' : 'No playable output (MP4 or manifest) to publish', {
      context: { jobId: input.jobId, uri: stray, outputBucket: deps.outputBucket },
    });
  }

  const playback = deps.delivery === undefined ? undefined : playbackFor(outputs, deps.delivery.baseUrl);
  const { changed, job } = await deps.store.transition(input.jobId, 'COMPLETED', {
    outputs,
    ...(playback === undefined ? {} : { playback }),
    qc: { passed: input.qc.passed, failures: input.qc.failures, checkCount: input.qc.checks.length },
    ...(input.qc.quality !== undefined ? { quality: input.qc.quality } : {}),
    metadata: input.metadata as unknown as MediaMetadata,
    mediaConvertJobId: input.transcode.mediaConvertJobId,
    finishedAt: (deps.now ?? (() => new Date()))().toISOString(),
    progress: 100,
  });
  log.info(changed ? 'Job completed' : 'Job was already completed', { jobId: input.jobId, mp4Count: outputs.mp4.length });
  if (changed) deps.onCompleted?.(Number((input.metadata as { durationSeconds?: unknown }).durationSeconds) || 0);
  // Before the notification: a failed put fails the task, and Step Functions retries it.
  await deps.events.jobFinished(job);

  try {
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: 'Video job completed',
        // `job` is the public view (no bucket, s3:// URI, account id or ARN); `operator` holds
        // the internal locations for whoever runs the pipeline.
        Message: JSON.stringify({
          event: 'JOB_COMPLETED',
          jobId: input.jobId,
          job: toPublicJob(job, unsignedView(deps.delivery)),
          operator: { source: input.source, outputs },
        }),
      }),
    );
    return { outputs, notified: true };
  } catch (err) {
    const warning = `notification failed: ${errorName(err)}`;
    log.warn('Completion notification failed', { jobId: input.jobId, error: errorName(err) });
    try {
      await deps.store.addWarning(input.jobId, warning);
    } catch (warnErr) {
      log.error('Could not record notification warning', { jobId: input.jobId, error: errorName(warnErr) });
    }
    return { outputs, notified: false };
  }
}
