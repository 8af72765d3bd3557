import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { JobSettings, Output, VideoDescription } from '@aws-sdk/client-mediaconvert';
import { estimateCost } from '../../scripts/plan/estimate';
import { planTranscode, type TypedTranscodePlan } from '../../handlers/plan-transcode/plan';
import { getProfile, PROFILE_NAMES, PROFILES } from '../../handlers/plan-transcode/profiles';
import { UnknownProfile } from '../../handlers/shared/errors';
import { DEFAULT_QUALITY_THRESHOLDS, withQualityOverrides } from '../../handlers/shared/quality-thresholds';
import type { MediaMetadata } from '../../handlers/shared/job';
import { PLAN_CONFIG, PLAN_JOB_ID, PLAN_SOURCE, syntheticMetadata } from '../fixtures/plan-cases';
import { loadMediaConvertModel, validateAgainstModel } from '../helpers/mediaconvert-model';

/** The sources the issue names: 160x90 to 7680x4320, portrait, rotated, no audio, 0.5 s and 12 h. */
const SOURCES: ReadonlyArray<[string, MediaMetadata]> = [
  ['160x90', syntheticMetadata(160, 90)],
  ['640x360', syntheticMetadata(640, 360)],
  ['854x480', syntheticMetadata(854, 480)],
  ['1280x720', syntheticMetadata(1280, 720)],
  ['1920x1080', syntheticMetadata(1920, 1080)],
  ['2560x1440', syntheticMetadata(2560, 1440)],
  ['3840x2160', syntheticMetadata(3840, 2160)],
  ['7680x4320', syntheticMetadata(7680, 4320)],
  ['portrait 1080x1920', syntheticMetadata(1080, 1920)],
  ['portrait 2160x3840', syntheticMetadata(2160, 3840)],
  ['rotated 3840x2160 (90)', syntheticMetadata(3840, 2160, { rotation: 90 })],
  ['square 1080x1080', syntheticMetadata(1080, 1080)],
  ['no audio 1920x1080', syntheticMetadata(1920, 1080, { audioTrackCount: 0, audioCodec: undefined })],
  ['0.5 s 1280x720', syntheticMetadata(1280, 720, { durationSeconds: 0.5 })],
  ['12 h 1920x1080', syntheticMetadata(1920, 1080, { durationSeconds: 12 * 3600 })],
];

const CASES = PROFILE_NAMES.flatMap((profile) => SOURCES.map(([name, metadata]) => [profile, name, metadata] as const));

function plan(profile: string, metadata: MediaMetadata, userMetadata: Record<string, string> = { campaign: 'spring' }): TypedTranscodePlan {
  return planTranscode({ jobId: PLAN_JOB_ID, source: PLAN_SOURCE, metadata, profile, userMetadata, workflow: 'video-workflow-test' }, PLAN_CONFIG);
}

/** The CreateJob request the Transcode state sends (Queue and Role as the stack fills them). */
function createJobRequest(p: TypedTranscodePlan): Record<string, unknown> {
  return {
    Queue: 'arn:aws:mediaconvert:eu-west-1:123456789012:queues/video-workflow-test',
    Role: 'arn:aws:iam::123456789012:role/video-workflow-test-mediaconvert',
    Settings: p.settings,
    StatusUpdateInterval: 'SECONDS_15',
    AccelerationSettings: p.accelerationSettings,
    UserMetadata: p.userMetadata,
  };
}

const videoOutputs = (settings: JobSettings): { group: string; output: Output; video: VideoDescription }[] =>
  (settings.OutputGroups ?? []).flatMap((g) =>
    (g.Outputs ?? []).flatMap((output) => (output.VideoDescription ? [{ group: g.OutputGroupSettings?.Type ?? '', output, video: output.VideoDescription }] : [])),
  );

describe('every profile against the MediaConvert API model (botocore service-2.json)', () => {
  const model = loadMediaConvertModel();

  it('reads the installed model and knows the shapes the plans use', () => {
    // Assess
    expect(model.file).toMatch(/mediaconvert\/2017-08-29\/service-2\.json(\.gz)?$/);
    for (const shape of ['CreateJobRequest', 'JobSettings', 'H264Settings', 'H265Settings', 'CmafGroupSettings', 'AutomatedAbrSettings']) expect(model.shapes[shape]).toBeDefined();
  });

  it('catches what the model forbids (the validator is not a tautology)', () => {
    // Act
    const errors = validateAgainstModel(model, 'JobSettings', {
      Inputs: [{ FileInput: 'http:/nope', VideoSelector: { Rotate: 'SIDEWAYS' } }],
      OutputGroups: [{ Outputs: [{ VideoDescription: { Width: 10, CodecSettings: { Codec: 'H_264', H264Settings: { MaxBitrate: 'fast', GopSize: 2, Bogus: 1 } } } }] }],
    });

    // Assess
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Inputs\[0\]\.FileInput: "http:\/nope" does not match/),
        expect.stringMatching(/Rotate: "SIDEWAYS" is not one of/),
        expect.stringMatching(/Width: 10 is below the minimum 32/),
        expect.stringMatching(/MaxBitrate: expected a number/),
        expect.stringMatching(/H264Settings: unknown member Bogus/),
      ]),
    );
    expect(validateAgainstModel(model, 'AccelerationSettings', {})).toEqual(['AccelerationSettings: missing required member Mode']);
    expect(validateAgainstModel(model, 'AutomatedAbrSettings', { MaxQualityLevel: 11 })).toEqual([expect.stringMatching(/11 is above the maximum 10/)]);
  });

  it.each(CASES)('%s / %s: the CreateJob request validates', (profile, _name, metadata) => {
    // Act
    const p = plan(profile, metadata);

    // Assess
    expect(validateAgainstModel(model, 'CreateJobRequest', createJobRequest(p))).toEqual([]);
    expect(p.profile).toBe(profile);
    expect(JSON.stringify(p).length).toBeLessThan(40_000);
  });
});

describe('semantic rules beyond the model', () => {
  it.each(CASES)('%s / %s: never upscales, even sides, QVBR with MaxBitrate, CMAF audio apart', (profile, _name, metadata) => {
    // Act
    const p = plan(profile, metadata);
    const outputs = videoOutputs(p.settings);

    // Assess: no output larger than the display size, every size even (4:2:0 chroma)
    for (const { video } of outputs) {
      if (video.Width === undefined) continue;
      expect(video.Width).toBeLessThanOrEqual(metadata.displayWidth);
      expect(video.Height!).toBeLessThanOrEqual(metadata.displayHeight);
      expect(video.Width % 2).toBe(0);
      expect(video.Height! % 2).toBe(0);
    }
    // QVBR needs a MaxBitrate (https://docs.aws.amazon.com/mediaconvert/latest/ug/qvbr-guidelines.html),
    // except the Automated ABR base output, whose stack is bounded by MaxAbrBitrate.
    const abr = p.settings.OutputGroups?.some((g) => g.AutomatedEncodingSettings !== undefined);
    for (const { video } of outputs) {
      const codec = video.CodecSettings?.H264Settings ?? video.CodecSettings?.H265Settings;
      if (codec === undefined) continue;
      expect(codec.RateControlMode).toBe('QVBR');
      if (!abr) expect(codec.MaxBitrate).toBeGreaterThan(0);
    }
    // CMAF: one elementary stream per output, so audio is its own output
    // (https://docs.aws.amazon.com/mediaconvert/latest/ug/cmaf-group-settings.html).
    for (const group of p.settings.OutputGroups ?? []) {
      if (group.OutputGroupSettings?.Type !== 'CMAF_GROUP_SETTINGS') continue;
      for (const output of group.Outputs ?? []) expect(output.VideoDescription !== undefined && output.AudioDescriptions !== undefined).toBe(false);
      expect((group.Outputs ?? []).some((o) => o.AudioDescriptions !== undefined)).toBe(metadata.audioTrackCount > 0);
      // Fragment length is a multiple of GOP size x closed-GOP cadence / frame rate: 2 s GOPs, cadence 1
      // (https://docs.aws.amazon.com/mediaconvert/latest/ug/setting-the-fragment-length.html).
      expect(group.OutputGroupSettings.CmafGroupSettings?.FragmentLength).toBe(2);
    }
    // UserMetadata: the caller's pairs, and the workflow's own keys win.
    expect(p.userMetadata).toEqual({ campaign: 'spring', jobId: PLAN_JOB_ID, workflow: 'video-workflow-test', profile });
  });

  it('Automated ABR: every ABR group automated, QVBR + MULTI_PASS_HQ, one sizeless base output (feature-restrictions-for-automated-abr)', () => {
    // https://docs.aws.amazon.com/mediaconvert/latest/ug/feature-restrictions-for-automated-abr.html
    // Act
    const p = plan('auto-abr', syntheticMetadata(1920, 1080));
    const streaming = (p.settings.OutputGroups ?? []).filter((g) => g.OutputGroupSettings?.Type !== 'FILE_GROUP_SETTINGS');

    // Assess
    expect(streaming.every((g) => g.AutomatedEncodingSettings?.AbrSettings !== undefined)).toBe(true);
    const abr = streaming[0].AutomatedEncodingSettings!.AbrSettings!;
    expect(abr.MinAbrBitrate!).toBeLessThan(abr.MaxAbrBitrate!);
    const video = streaming[0].Outputs!.filter((o) => o.VideoDescription !== undefined);
    expect(video).toHaveLength(1);
    expect(video[0].VideoDescription).toMatchObject({ ScalingBehavior: 'DEFAULT' });
    expect(video[0].VideoDescription!.Width).toBeUndefined();
    expect(video[0].VideoDescription!.CodecSettings!.H264Settings).toMatchObject({ RateControlMode: 'QVBR', QualityTuningLevel: 'MULTI_PASS_HQ' });
    expect(p.accelerationSettings).toEqual({ Mode: 'PREFERRED' });
    expect(p.ladder).toEqual([]);
  });

  it('premium: HEVC up to 2160p (main tier, level AUTO, HVC1) + H.264 fallbacks up to 1080p, CMAF HLS + DASH', () => {
    // Act
    const p = plan('premium', syntheticMetadata(3840, 2160));
    const group = p.settings.OutputGroups![0];

    // Assess
    expect(p.ladder.map((r) => `${r.codec ?? 'H_264'} ${r.width}x${r.height}`)).toEqual([
      'H_265 3840x2160', 'H_265 2560x1440', 'H_265 1920x1080', 'H_265 1280x720',
      'H_264 1920x1080', 'H_264 1280x720', 'H_264 960x540', 'H_264 640x360',
    ]);
    // 2160p at up to 60 fps is level 5.1; main tier allows 40 Mb/s there (ITU-T H.265 Table A.8),
    // so every HEVC MaxBitrate fits the level MediaConvert picks with CodecLevel AUTO.
    for (const o of group.Outputs!.filter((x) => x.VideoDescription?.CodecSettings?.Codec === 'H_265')) {
      expect(o.VideoDescription!.CodecSettings!.H265Settings).toMatchObject({ CodecProfile: 'MAIN_MAIN', CodecLevel: 'AUTO', WriteMp4PackagingType: 'HVC1' });
      expect(o.VideoDescription!.CodecSettings!.H265Settings!.MaxBitrate!).toBeLessThanOrEqual(40_000_000);
    }
    expect(group.OutputGroupSettings?.CmafGroupSettings).toMatchObject({ WriteHlsManifest: 'ENABLED', WriteDashManifest: 'ENABLED' });
    expect(p.expectedOutputs.map((o) => o.kind)).toEqual([
      'hls-master', 'dash-manifest', ...Array(8).fill('hls-rendition'), 'audio-rendition', 'thumbnail',
    ]);
    expect(p.groupRoles).toEqual(['cmaf', 'thumbnails']);
    // Accelerated from 10 minutes of source.
    expect(plan('premium', syntheticMetadata(3840, 2160, { durationSeconds: 599 })).accelerationSettings.Mode).toBe('DISABLED');
    expect(plan('premium', syntheticMetadata(3840, 2160, { durationSeconds: 600 })).accelerationSettings.Mode).toBe('PREFERRED');
  });

  it('premium on a 720p source: top rung at the source, no upscaled HEVC rungs', () => {
    // Act
    const p = plan('premium', syntheticMetadata(1280, 720));

    // Assess
    expect(p.ladder.map((r) => `${r.codec ?? 'H_264'} ${r.width}x${r.height}`)).toEqual(['H_265 1280x720', 'H_264 1280x720', 'H_264 960x540', 'H_264 640x360']);
  });

  it.each([
    ['landscape 1920x1080', syntheticMetadata(1920, 1080), ['16x9 1920x1080', '1x1 1080x1080', '9x16 606x1078']],
    ['portrait 1080x1920', syntheticMetadata(1080, 1920), ['16x9 1078x606', '1x1 1080x1080', '9x16 1080x1920']],
    ['4K 3840x2160 (capped at 1080)', syntheticMetadata(3840, 2160), ['16x9 1920x1080', '1x1 1080x1080', '9x16 1080x1920']],
    ['tiny 160x90 (no 9:16 crop under 64 px)', syntheticMetadata(160, 90), ['16x9 160x90', '1x1 90x90']],
  ])('social on %s: one MP4 per aspect, center-cropped, plus a poster frame', (_name, metadata, expected) => {
    // Act
    const p = plan('social', metadata);

    // Assess
    const mp4 = p.expectedOutputs.filter((o) => o.kind === 'mp4');
    expect(mp4.map((o) => `${/video_(\w+)\.mp4$/.exec(o.uri)![1]} ${o.width}x${o.height}`)).toEqual(expected);
    expect(videoOutputs(p.settings).filter((o) => o.group === 'FILE_GROUP_SETTINGS' && o.video.CodecSettings?.Codec === 'H_264').every((o) => o.video.ScalingBehavior === 'FILL')).toBe(true);
    expect(p.thumbnailCount).toBe(1);
    expect(p.expectedOutputs.at(-1)).toMatchObject({ kind: 'thumbnail', uri: `s3://output-bucket/${PLAN_JOB_ID}/poster/poster` });
    expect(p.groupRoles).toEqual(['mp4', 'thumbnails']);
  });
});

describe('the picture-quality gate in every profile', () => {
  it.each(CASES)('%s / %s: every encoded video output asks for SSIM, PSNR and VMAF per frame', (profile, _name, metadata) => {
    // Act
    const p = plan(profile, metadata);
    const encoded = videoOutputs(p.settings).filter(({ video }) => video.CodecSettings?.Codec !== 'FRAME_CAPTURE');

    // Assess: QC can gate every rung (handlers/quality-control/quality-gate.ts) only if each one writes its reports.
    expect(encoded.length).toBeGreaterThan(0);
    for (const { video } of encoded) {
      const codec = video.CodecSettings?.H264Settings ?? video.CodecSettings?.H265Settings;
      expect(codec?.PerFrameMetrics).toEqual(['SSIM', 'PSNR', 'VMAF']);
    }
  });

  it.each(PROFILE_NAMES)('%s: the plan carries the profile\'s floors (the defaults with its overrides) for QC', (profile) => {
    // Act
    const p = plan(profile, syntheticMetadata(1920, 1080));

    // Assess
    expect(p.quality).toEqual(withQualityOverrides(DEFAULT_QUALITY_THRESHOLDS, PROFILES[profile].quality));
  });

  it('social holds every aspect MP4 to the top-rung floors: each is a deliverable, not a step down a ladder', () => {
    // Act
    const p = plan('social', syntheticMetadata(1920, 1080));

    // Assess
    expect(p.quality!.topRung).toEqual(DEFAULT_QUALITY_THRESHOLDS.topRung);
    // Every top-rung floor applies to the other sizes too (their own extra floors stay).
    expect(p.quality!.otherRungs).toMatchObject(DEFAULT_QUALITY_THRESHOLDS.topRung);
    expect(plan('standard', syntheticMetadata(1920, 1080)).quality).toEqual(DEFAULT_QUALITY_THRESHOLDS);
  });

  it('overrides replace only the statistics they name', () => {
    // Act
    const merged = withQualityOverrides(DEFAULT_QUALITY_THRESHOLDS, { topRung: { vmaf: { mean: 85 } }, otherRungs: { ssim: { min: 0.5 } } });

    // Assess
    expect(merged.topRung).toEqual({ ...DEFAULT_QUALITY_THRESHOLDS.topRung, vmaf: { mean: 85, p5: 70 } });
    expect(merged.otherRungs).toEqual({ ...DEFAULT_QUALITY_THRESHOLDS.otherRungs, ssim: { p5: 0.8, min: 0.5 } });
    expect(withQualityOverrides(DEFAULT_QUALITY_THRESHOLDS, undefined)).toBe(DEFAULT_QUALITY_THRESHOLDS);
  });
});

describe('the profiles themselves', () => {
  it('ships standard, premium, social and auto-abr, each described, rungs largest first', () => {
    // Assess
    expect(PROFILE_NAMES).toEqual(['standard', 'premium', 'social', 'auto-abr']);
    for (const profile of Object.values(PROFILES)) {
      expect(profile.description.length).toBeGreaterThan(10);
      // Packaging that encodes the ladder needs one (social sizes its MP4s per aspect instead).
      if (profile.packaging.some((p) => p.type === 'mp4' || p.type === 'hls' || (p.type === 'cmaf' && profile.options.automatedAbr === undefined))) {
        expect({ profile: profile.name, ladders: profile.ladders.length > 0 }).toEqual({ profile: profile.name, ladders: true });
      }
      for (const ladder of profile.ladders) {
        const sides = ladder.rungs.map((r) => r.shortSide);
        expect(sides).toEqual([...sides].sort((a, b) => b - a));
        for (const r of ladder.rungs) expect(r.qvbrQualityLevel).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('names an unknown profile, and the shipped ones, at plan time', () => {
    // Act
    const act = () => getProfile('ultra');
    const planned = () => plan('ultra', syntheticMetadata(1280, 720));

    // Assess
    expect(act).toThrow(UnknownProfile);
    expect(act).toThrow('Unknown profile "ultra"; shipped profiles: standard, premium, social, auto-abr');
    expect(planned).toThrow(UnknownProfile);
  });
});

describe('docs/profiles.md cost table', () => {
  const doc = readFileSync(path.join(__dirname, '../../docs/profiles.md'), 'utf8');
  it.each(PROFILE_NAMES)('%s: the per-source-minute figures are what the estimate gives for a 10-minute 30 fps source', (profile) => {
    // Prepare
    const row = new RegExp(`^\\| ${profile} \\| ([\\d.]+) \\| ([\\d.]+) \\| ([\\d.]+) \\| ([\\d.]+) \\|$`, 'm').exec(doc);
    const perSourceMinute = (w: number, h: number) => {
      const metadata = syntheticMetadata(w, h, { durationSeconds: 600 });
      const e = estimateCost(plan(profile, metadata).settings, metadata);
      return [String(e.billedMinutes / 10), (e.usd / 10).toFixed(4)];
    };

    // Assess
    expect(row?.slice(1)).toEqual([...perSourceMinute(1920, 1080), ...perSourceMinute(3840, 2160)]);
  });
});
