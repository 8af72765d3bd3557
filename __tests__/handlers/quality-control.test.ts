import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/quality-control/index';
import { planTranscode } from '../../handlers/plan-transcode/plan';
import { MalformedEvent } from '../../handlers/shared/errors';
import type { MediaMetadata, TranscodeResult } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import { frames, GOOD_METRICS, serveMetricFiles } from '../fixtures/quality';

const JOB_ID = '0123456789abcdef0123456789abcdef';
const OUT = 'output-bucket';
const s3Mock = mockClient(S3Client);

const METADATA: MediaMetadata = {
  container: 'MPEG-4', durationSeconds: 12.5, width: 1280, height: 720, displayWidth: 1280, displayHeight: 720,
  displayAspectRatio: 1.7778, rotation: 0, frameRate: 25, videoCodec: 'AVC', audioTrackCount: 1, audioCodec: 'AAC', bytesRead: 4096,
};
const PLAN = planTranscode(
  { jobId: JOB_ID, source: { bucket: 'source-bucket', key: 'uploads/a.mp4', etag: '"e"', size: 100 }, metadata: METADATA },
  { outputBucket: OUT, pinnedSourceBucket: 'archive-bucket', maxDurationSeconds: 43_200, thumbnailIntervalSeconds: 10, maxThumbnails: 10 },
);
/** PinSource's copy of the probed version: the transcode's FileInput. */
const PINNED = { bucket: 'archive-bucket', key: `work/${JOB_ID}/source.mp4`, versionId: 'copy-v1', size: 100, sourceVersionId: 'v1', sourceEtag: 'e' };
const FILE_INPUT = (PLAN.settings.Inputs as { FileInput: string }[])[0].FileInput;
// 1280x720, 960x540, 640x360, 480x270
const RUNGS = PLAN.ladder.map((r) => ({ width: r.width, height: r.height, name: `${Math.min(r.width, r.height)}p` }));

/** MediaConvert's Job.OutputGroupDetails for a complete, correct job. */
function transcodeResult(overrides: { durationMs?: number; dropRung?: string } = {}): TranscodeResult {
  const durationMs = overrides.durationMs ?? 12_520;
  return {
    mediaConvertJobId: '1700000000000-abc123',
    outputGroupDetails: [
      { Type: 'FILE_GROUP_SETTINGS', OutputDetails: [{ OutputFilePaths: [`s3://${OUT}/${JOB_ID}/mp4/video_720p.mp4`], DurationInMs: durationMs, VideoDetails: { WidthInPx: 1280, HeightInPx: 720 } }] },
      {
        Type: 'HLS_GROUP_SETTINGS',
        PlaylistFilePaths: [`s3://${OUT}/${JOB_ID}/hls/master.m3u8`],
        OutputDetails: RUNGS.filter((r) => r.name !== overrides.dropRung).map((r) => ({
          OutputFilePaths: [`s3://${OUT}/${JOB_ID}/hls/master_${r.name}.m3u8`],
          DurationInMs: durationMs,
          VideoDetails: { WidthInPx: r.width, HeightInPx: r.height },
        })),
      },
      { Type: 'FILE_GROUP_SETTINGS', OutputDetails: [{ OutputFilePaths: [`s3://${OUT}/${JOB_ID}/thumbnails/thumb.0000001.jpg`], DurationInMs: 2_000, VideoDetails: { WidthInPx: 1280, HeightInPx: 720 } }] },
    ],
  };
}

function masterManifest(rungs = RUNGS): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    ...rungs.flatMap((r) => [`#EXT-X-STREAM-INF:BANDWIDTH=1000000,AVERAGE-BANDWIDTH=800000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=${r.width}x${r.height},FRAME-RATE=25.000`, `master_${r.name}.m3u8`]),
    '',
  ].join('\n');
}

/** Serves the outputs of a correct job; `sizes` overrides ContentLength per key (undefined: missing). */
function serveOutputs(options: { sizes?: Record<string, number | undefined>; manifest?: string; thumbnails?: number; pinnedVersionId?: string } = {}): void {
  const sizes = options.sizes ?? {};
  s3Mock.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    const pinned = input.Key === PINNED.key;
    const size = input.Key in sizes ? sizes[input.Key] : pinned ? PINNED.size : 2048;
    if (size === undefined) throw new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
    return pinned ? { ContentLength: size, VersionId: options.pinnedVersionId ?? PINNED.versionId } : { ContentLength: size };
  });
  s3Mock.on(GetObjectCommand, { Bucket: OUT, Key: `${JOB_ID}/hls/master.m3u8` }).resolves({
    Body: { transformToString: async () => options.manifest ?? masterManifest() },
  } as never);
  serveMetricFiles(s3Mock, PLAN.expectedOutputs);
  const count = options.thumbnails ?? 2;
  s3Mock.on(ListObjectsV2Command).resolves({
    Contents: Array.from({ length: count }, (_, i) => ({ Key: `${JOB_ID}/thumbnails/thumb.000000${i}.jpg`, Size: 5000 })),
    KeyCount: count,
  });
}

function event(transcode: TranscodeResult = transcodeResult()) {
  return {
    jobId: JOB_ID,
    metadata: METADATA,
    plan: { expectedOutputs: PLAN.expectedOutputs, ladder: PLAN.ladder, thumbnailCount: PLAN.thumbnailCount, outputPrefix: PLAN.outputPrefix },
    transcode,
    pinned: PINNED,
    fileInput: FILE_INPUT,
  };
}

const env = process.env;
beforeAll(() => logger.setLogLevel('SILENT'));
beforeEach(() => {
  s3Mock.reset();
  process.env = { ...env, OUTPUT_BUCKET: OUT };
});
afterAll(() => {
  process.env = env;
});

describe('quality-control handler', () => {
  it('passes a complete job and says what it checked', async () => {
    // Prepare
    serveOutputs();

    // Act
    const result = await handler(event());

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual([
      'input-pinned',
      `exists:mp4:s3://${OUT}/${JOB_ID}/mp4/video_720p.mp4`,
      `exists:hls-master:s3://${OUT}/${JOB_ID}/hls/master.m3u8`,
      ...RUNGS.map((r) => `exists:hls-rendition:s3://${OUT}/${JOB_ID}/hls/master_${r.name}.m3u8`),
      `duration:s3://${OUT}/${JOB_ID}/mp4/video_720p.mp4`,
      ...RUNGS.map((r) => `duration:s3://${OUT}/${JOB_ID}/hls/master_${r.name}.m3u8`),
      ...RUNGS.map((r) => `rung:${r.width}x${r.height}`),
      'mp4-size:1280x720',
      'hls-master',
      ...RUNGS.map((r) => `manifest:${r.width}x${r.height}`),
      'thumbnails',
      // The picture-quality gate: the default floors, top-rung ones on the MP4 and the top rendition.
      ...['video_720p', 'master_720p'].flatMap((n) => ['ssim.p5', 'ssim.worstSecond', 'psnr.p5', 'vmaf.mean', 'vmaf.p5'].map((s) => `quality:${n}:${s}`)),
      ...['540p', '360p', '270p'].flatMap((n) => ['ssim.p5', 'psnr.mean', 'vmaf.p5'].map((s) => `quality:master_${n}:${s}`)),
    ]);
    expect(result.checks.every((c) => c.passed)).toBe(true);
    expect(result.error).toBeUndefined();
    expect(result.quality?.rungs.map((r) => [r.name, r.width, r.height, r.bitrate, r.top])).toEqual([
      ['video_720p', 1280, 720, PLAN.ladder[0].maxBitrate, true],
      ...RUNGS.map((r, i) => [`master_${r.name}`, r.width, r.height, PLAN.ladder[i].maxBitrate, i === 0]),
    ]);
    expect(result.quality?.rungs[0]).toMatchObject({ ssim: { frames: 25 }, psnr: { frames: 25 }, vmaf: { frames: 25 } });
    expect(s3Mock).toHaveReceivedCommandTimes(HeadObjectCommand, 7);
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: PINNED.bucket, Key: PINNED.key });
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: OUT, Key: `${JOB_ID}/mp4/video_720p.mp4` });
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: OUT, Key: `${JOB_ID}/hls/master_270p.m3u8` });
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: OUT, Key: `${JOB_ID}/hls/master.m3u8` });
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: OUT, Prefix: `${JOB_ID}/thumbnails/thumb`, MaxKeys: 1000 });
    expect(result.checks.find((c) => c.name === 'thumbnails')?.detail).toBe(`2 thumbnails under s3://${OUT}/${JOB_ID}/thumbnails/thumb (planned 1)`);
    // The real thumbnail URIs travel on to publish (GetJob reports no paths).
    expect(result.thumbnails).toEqual([`s3://${OUT}/${JOB_ID}/thumbnails/thumb.0000000.jpg`, `s3://${OUT}/${JOB_ID}/thumbnails/thumb.0000001.jpg`]);
  });

  describe('input-pinned: the transcode read exactly the probed bytes', () => {
    const inputCheck = (result: { checks: readonly { name: string; passed: boolean; detail: string }[] }) => result.checks.find((c) => c.name === 'input-pinned');

    it('fails when the pinned copy was overwritten while MediaConvert read it (another version)', async () => {
      serveOutputs({ pinnedVersionId: 'copy-v2' });
      const result = await handler(event());
      expect(result.passed).toBe(false);
      expect(inputCheck(result)).toEqual({
        name: 'input-pinned',
        passed: false,
        detail: `Transcode input differs from the probed source: s3://archive-bucket/${PINNED.key} is 100 bytes (version copy-v2), probed 100 bytes (pinned version copy-v1)`,
      });
    });

    it('fails when the transcoded input has another size than the probed source', async () => {
      serveOutputs({ sizes: { [PINNED.key]: 99 } });
      const result = await handler(event());
      expect(result.passed).toBe(false);
      expect(inputCheck(result)?.detail).toMatch(/is 99 bytes .* probed 100 bytes/);
    });

    it('fails when the plan transcoded the live source key instead of the pinned copy', async () => {
      serveOutputs();
      const result = await handler({ ...event(), fileInput: 's3://source-bucket/uploads/a.mp4' });
      expect(result.passed).toBe(false);
      expect(inputCheck(result)?.detail).toBe(`Transcode input s3://source-bucket/uploads/a.mp4 is not the pinned copy s3://archive-bucket/${PINNED.key} of the probed source`);
    });

    it('fails when no PinSource result reached QC, and when the pinned copy is gone', async () => {
      serveOutputs({ sizes: { [PINNED.key]: undefined } });
      const { pinned: _omitted, ...unpinned } = event();
      expect(inputCheck(await handler(unpinned))).toMatchObject({ passed: false, detail: 'The transcode input was not pinned (no PinSource result)' });
      expect(inputCheck(await handler(event()))).toMatchObject({ passed: false, detail: `Pinned transcode input s3://archive-bucket/${PINNED.key} is missing` });
    });
  });

  it('fails a missing output', async () => {
    // Prepare
    serveOutputs({ sizes: { [`${JOB_ID}/mp4/video_720p.mp4`]: undefined } });

    // Act
    const result = await handler(event());

    // Assess
    expect(result.passed).toBe(false);
    expect(result.error).toBe('QualityCheckFailed');
    expect(result.failures).toEqual([`s3://${OUT}/${JOB_ID}/mp4/video_720p.mp4 is missing`]);
  });

  it('fails an empty output', async () => {
    // Prepare
    serveOutputs({ sizes: { [`${JOB_ID}/hls/master_360p.m3u8`]: 0 } });

    // Act
    const result = await handler(event());

    // Assess
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual([`s3://${OUT}/${JOB_ID}/hls/master_360p.m3u8 is empty (0 bytes)`]);
  });

  it('fails outputs whose duration is off by more than max(0.5 s, 2%)', async () => {
    // Prepare: source 12.5 s, tolerance 0.5 s; outputs 11.9 s
    serveOutputs();

    // Act
    const result = await handler(event(transcodeResult({ durationMs: 11_900 })));

    // Assess
    expect(result.passed).toBe(false);
    expect(result.failures).toHaveLength(5);
    expect(result.failures[0]).toBe(`Duration mismatch: s3://${OUT}/${JOB_ID}/mp4/video_720p.mp4 lasts 11.900 s, source 12.500 s (tolerance 0.500 s)`);
    // The thumbnail output's "duration" is not a video duration and is not checked.
    expect(result.checks.some((c) => c.name.includes('thumb.'))).toBe(false);
  });

  it('accepts a duration inside the tolerance', async () => {
    // Prepare
    serveOutputs();

    // Act
    const result = await handler(event(transcodeResult({ durationMs: 12_100 })));

    // Assess
    expect(result.passed).toBe(true);
  });

  it('fails a ladder rung MediaConvert did not produce', async () => {
    // Prepare
    serveOutputs();

    // Act
    const result = await handler(event(transcodeResult({ dropRung: '540p' })));

    // Assess
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual(['HLS rendition 960x540 missing (MediaConvert reported 1280x720, 640x360, 480x270)']);
  });

  it('fails a master manifest that does not list a rendition', async () => {
    // Prepare
    serveOutputs({ manifest: masterManifest(RUNGS.filter((r) => r.name !== '270p')) });

    // Act
    const result = await handler(event());

    // Assess
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual(['HLS master does not list a 480x270 rendition (lists 1280x720, 960x540, 640x360)']);
  });

  it('fails a master manifest that is not a playlist', async () => {
    // Prepare
    serveOutputs({ manifest: '<html>Access denied by proxy</html>' });

    // Act
    const result = await handler(event());

    // Assess
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual([`HLS master s3://${OUT}/${JOB_ID}/hls/master.m3u8 is not a multivariant playlist (no variants)`]);
  });

  it('fails when no thumbnail was written', async () => {
    // Prepare
    serveOutputs({ thumbnails: 0 });

    // Act
    const result = await handler(event());

    // Assess
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual([`No JPEG thumbnails under s3://${OUT}/${JOB_ID}/thumbnails/thumb (planned 1)`]);
  });

  it('reads a GetJob-shaped result (no types, no paths) by the planned group order', async () => {
    // Prepare: what createJob.sync really returns: OutputGroupDetails with durations and sizes only
    serveOutputs();
    const getJobShaped: TranscodeResult = {
      mediaConvertJobId: '1700000000000-abc123',
      outputGroupDetails: transcodeResult({ dropRung: '360p' }).outputGroupDetails.map((g) => ({
        OutputDetails: (g.OutputDetails ?? []).map((d) => ({ DurationInMs: d.DurationInMs, VideoDetails: d.VideoDetails })),
      })),
    };

    // Act
    const result = await handler(event(getJobShaped));

    // Assess
    expect(result.failures).toEqual(['HLS rendition 640x360 missing (MediaConvert reported 1280x720, 960x540, 480x270)']);
    expect(result.checks.filter((c) => c.name.startsWith('duration:')).map((c) => c.name)).toEqual([
      'duration:mp4 output 1', 'duration:hls output 1', 'duration:hls output 2', 'duration:hls output 3',
    ]);
    expect(result.checks.find((c) => c.name === 'mp4-size:1280x720')?.passed).toBe(true);
  });

  it('reads a job-state-change-shaped result (HLS_GROUP / FILE_GROUP types, as the local transcoder writes)', async () => {
    // Prepare
    serveOutputs();
    const eventShaped: TranscodeResult = {
      mediaConvertJobId: 'local-1',
      outputGroupDetails: transcodeResult().outputGroupDetails.map((g) => ({ ...g, Type: g.Type === 'HLS_GROUP_SETTINGS' ? 'HLS_GROUP' : 'FILE_GROUP' })),
    };

    // Act
    const result = await handler(event(eventShaped));

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.checks.filter((c) => c.name.startsWith('rung:')).every((c) => c.passed)).toBe(true);
  });

  it('lets S3 throttling propagate so Step Functions retries the task', async () => {
    // Prepare
    serveOutputs();
    const slowDown = new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Please reduce your request rate.' });
    s3Mock.on(HeadObjectCommand).rejects(slowDown);

    // Act
    const result = handler(event());

    // Assess
    await expect(result).rejects.toBe(slowDown);
  });

  it('lets AccessDenied propagate instead of reporting outputs as missing', async () => {
    // Prepare
    serveOutputs();
    const denied = new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' });
    s3Mock.on(ListObjectsV2Command).rejects(denied);

    // Act
    const result = handler(event());

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('refuses a plan that points outside OUTPUT_BUCKET, before any S3 call', async () => {
    // Prepare
    process.env = { ...env, OUTPUT_BUCKET: 'another-bucket' };

    // Act
    const result = handler(event());

    // Assess
    await expect(result).rejects.toBeInstanceOf(MalformedEvent);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('quality-control handler: the picture-quality gate', () => {
  const uriOf = (name: string) => PLAN.expectedOutputs.find((o) => o.uri.endsWith(`/${name}.m3u8`) || o.uri.endsWith(`/${name}.mp4`))!.uri;

  it('fails a starved rung with QualityBelowThreshold naming rung, metric, value and threshold, and still reports every rung', async () => {
    // Prepare: the 540p rendition is blocky (SSIM ~0.7); everything else is good.
    serveOutputs();
    serveMetricFiles(s3Mock, PLAN.expectedOutputs, (o, m) =>
      o.uri === uriOf('master_540p') && m === 'ssim' ? frames(50, 0.7, 0.01) : frames(50, GOOD_METRICS[m], m === 'ssim' ? 0.004 : 1),
    );

    // Act
    const result = await handler(event());

    // Assess
    expect(result.passed).toBe(false);
    expect(result.error).toBe('QualityBelowThreshold');
    expect(result.failures).toEqual(['QualityBelowThreshold: rung master_540p (960x540) SSIM 5th percentile is 0.69, below the threshold 0.8']);
    expect(result.quality?.rungs).toHaveLength(5);
    expect(result.quality?.rungs.find((r) => r.name === 'master_540p')?.ssim).toEqual({ mean: 0.7, p5: 0.69, min: 0.69, worstSecond: 0.7, frames: 50 });
  });

  it('fails with QualityMetricsMissing when a required metric file is missing (never a silent pass)', async () => {
    // Prepare
    serveOutputs();
    serveMetricFiles(s3Mock, PLAN.expectedOutputs, (o, m) => (o.uri === uriOf('master_360p') && m === 'psnr' ? undefined : frames(25, GOOD_METRICS[m])));

    // Act
    const result = await handler(event());

    // Assess
    expect(result.passed).toBe(false);
    expect(result.error).toBe('QualityMetricsMissing');
    expect(result.failures).toEqual([`QualityMetricsMissing: s3://${OUT}/${JOB_ID}/hls/master_360p_PSNR.csv is missing`]);
    expect(result.quality?.rungs.map((r) => r.name)).not.toContain('master_360p');
  });

  it('fails with QualityMetricsMissing when a metric file breaks the documented layout', async () => {
    // Prepare
    serveOutputs();
    serveMetricFiles(s3Mock, PLAN.expectedOutputs);
    s3Mock.on(GetObjectCommand, { Bucket: OUT, Key: `${JOB_ID}/mp4/video_720p_SSIM.csv` }).resolves({ Body: { transformToString: async () => 'frame;ssim\n0;0.9\n' } } as never);

    // Act
    const result = await handler(event());

    // Assess
    expect(result.error).toBe('QualityMetricsMissing');
    expect(result.failures).toEqual([
      `QualityMetricsMissing: s3://${OUT}/${JOB_ID}/mp4/video_720p_SSIM.csv is unreadable (line 1: expected the header "Display_ID,Value", found "frame;ssim")`,
    ]);
  });

  it('passes without VMAF reports (a transcoder that cannot compute VMAF) and says the VMAF floors were not applied', async () => {
    // Prepare
    serveOutputs();
    serveMetricFiles(s3Mock, PLAN.expectedOutputs, (_o, m) => (m === 'vmaf' ? undefined : frames(25, GOOD_METRICS[m])));

    // Act
    const result = await handler(event());

    // Assess
    expect(result.passed).toBe(true);
    expect(result.quality?.rungs.every((r) => r.vmaf === undefined)).toBe(true);
    expect(result.checks.find((c) => c.name === 'quality:master_720p:vmaf')).toEqual({
      name: 'quality:master_720p:vmaf',
      passed: true,
      detail: 'rung master_720p (1280x720, top): no VMAF report, vmaf floors not applied',
    });
  });

  it("applies the plan's (profile's) floors instead of the defaults", async () => {
    // Prepare: PSNR 44.5 everywhere passes the defaults but not a profile asking for 45 dB on every rung.
    serveOutputs();
    const strict = { topRung: { psnr: { mean: 45 } }, otherRungs: {} };

    // Act
    const result = await handler({ ...event(), plan: { ...event().plan, quality: strict } });

    // Assess
    expect(result.error).toBe('QualityBelowThreshold');
    expect(result.failures).toEqual([
      'QualityBelowThreshold: rung video_720p (1280x720, top) PSNR mean is 44.5, below the threshold 45',
      'QualityBelowThreshold: rung master_720p (1280x720, top) PSNR mean is 44.5, below the threshold 45',
    ]);
  });

  it('measures the renditions Automated ABR chose, as the CMAF master lists them, and fails a starved one', async () => {
    // Prepare: auto-abr plans no renditions (MediaConvert picks them); the master names three.
    const abr = planTranscode(
      { jobId: JOB_ID, source: { bucket: 'source-bucket', key: 'uploads/a.mp4', etag: '"e"', size: 100 }, metadata: METADATA, profile: 'auto-abr' },
      { outputBucket: OUT, pinnedSourceBucket: 'archive-bucket', maxDurationSeconds: 43_200, thumbnailIntervalSeconds: 10, maxThumbnails: 10 },
    );
    expect(abr.expectedOutputs.filter((o) => o.kind === 'hls-rendition' || o.kind === 'mp4')).toEqual([]);
    const chosen = [
      { name: 'master_video_1', width: 1280, height: 720, bandwidth: 3_100_000 },
      { name: 'master_video_2', width: 854, height: 480, bandwidth: 1_400_000 },
      { name: 'master_video_3', width: 640, height: 360, bandwidth: 700_000 },
    ];
    const master = ['#EXTM3U', ...chosen.flatMap((r) => [`#EXT-X-STREAM-INF:BANDWIDTH=${r.bandwidth},CODECS="avc1.64001f",RESOLUTION=${r.width}x${r.height}`, `${r.name}.m3u8`]), ''].join('\n');
    const renditions = chosen.map((r) => ({ kind: 'hls-rendition' as const, uri: `s3://${OUT}/${JOB_ID}/cmaf/${r.name}.m3u8` }));
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 2048, VersionId: PINNED.versionId });
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `${JOB_ID}/thumbnails/thumb.0000000.jpg`, Size: 5000 }], KeyCount: 1 });
    s3Mock.on(GetObjectCommand, { Bucket: OUT, Key: `${JOB_ID}/cmaf/master.m3u8` }).resolves({ Body: { transformToString: async () => master } } as never);
    s3Mock.on(GetObjectCommand, { Bucket: OUT, Key: `${JOB_ID}/cmaf/master.mpd` }).resolves({
      Body: { transformToString: async () => '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><AdaptationSet mimeType="video/mp4"><Representation id="1" width="1280" height="720" bandwidth="3100000"/></AdaptationSet></Period></MPD>' },
    } as never);
    serveMetricFiles(s3Mock, renditions, (o, m) => (o.uri.endsWith('master_video_2.m3u8') && m === 'ssim' ? frames(25, 0.6) : frames(25, GOOD_METRICS[m])));
    const transcode: TranscodeResult = { mediaConvertJobId: '1700000000000-abc123', outputGroupDetails: [] };

    // Act
    const result = await handler({ ...event(transcode), plan: { expectedOutputs: abr.expectedOutputs, ladder: abr.ladder, thumbnailCount: abr.thumbnailCount, outputPrefix: abr.outputPrefix, groupRoles: abr.groupRoles, quality: abr.quality } });

    // Assess: every chosen rendition measured (the largest is the top rung), the starved one named
    expect(result.quality?.rungs.map((r) => [r.name, r.width, r.height, r.bitrate, r.top])).toEqual([
      ['master_video_1', 1280, 720, 3_100_000, true],
      ['master_video_2', 854, 480, 1_400_000, false],
      ['master_video_3', 640, 360, 700_000, false],
    ]);
    expect(result.failures).toContain('QualityBelowThreshold: rung master_video_2 (854x480) SSIM 5th percentile is 0.6, below the threshold 0.8');
  });

  it('rejects a misspelt floor in the plan as a malformed event', async () => {
    // Act
    const result = handler({ ...event(), plan: { ...event().plan, quality: { topRung: { ssim: { p05: 0.9 } }, otherRungs: {} } } });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'MalformedEvent' });
  });
});
