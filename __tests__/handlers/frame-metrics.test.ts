import { FrameMetricType } from '@aws-sdk/client-mediaconvert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { perFrameMetrics } from '../../handlers/plan-transcode/frame-metrics';
import { planTranscode } from '../../handlers/plan-transcode/plan';
import { METRIC_FILE_SUFFIX, REQUIRED_METRICS } from '../../handlers/quality-control/quality-metrics';
import { DEFAULT_QUALITY_THRESHOLDS } from '../../handlers/shared/quality-thresholds';

/**
 * The MediaConvert service model as botocore ships it (data/mediaconvert/2017-08-29/service-2.json.gz),
 * the same model the AWS CLI validates CreateJob against. Undefined when python3 or botocore is absent.
 */
function mediaConvertModel(): { shapes: Record<string, { members?: Record<string, { shape: string }>; member?: { shape: string }; enum?: string[] }> } | undefined {
  const found = spawnSync('python3', ['-c', 'import botocore,os; print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' });
  if (found.status !== 0) return undefined;
  const file = `${found.stdout.trim()}/data/mediaconvert/2017-08-29/service-2.json.gz`;
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
}

const model = mediaConvertModel();
if (!model) console.warn('python3 with botocore not found: skipping the PerFrameMetrics service-model check');
const withModel = model ? it : it.skip;

const PLAN = planTranscode(
  {
    jobId: '0123456789abcdef0123456789abcdef',
    source: { bucket: 'source-bucket', key: 'uploads/a.mp4', etag: '"e"', size: 100 },
    metadata: {
      container: 'MPEG-4', durationSeconds: 30, width: 1920, height: 1080, displayWidth: 1920, displayHeight: 1080,
      displayAspectRatio: 1.7778, rotation: 0, frameRate: 25, videoCodec: 'AVC', audioTrackCount: 1, bytesRead: 1,
    },
  },
  { outputBucket: 'output-bucket', maxDurationSeconds: 43_200, thumbnailIntervalSeconds: 10, maxThumbnails: 10 },
);
const videoOutputs = (PLAN.settings.OutputGroups ?? []).flatMap((g) => g.Outputs ?? []).filter((o) => o.VideoDescription?.CodecSettings?.Codec === 'H_264');

describe('per-frame metrics in the plan', () => {
  it('asks for SSIM, PSNR and VMAF on every H.264 output (the MP4 and every HLS rung), none on the thumbnails', () => {
    // Assess
    expect(videoOutputs).toHaveLength(1 + PLAN.ladder.length);
    for (const output of videoOutputs) {
      expect(output.VideoDescription?.CodecSettings?.H264Settings?.PerFrameMetrics).toEqual(['SSIM', 'PSNR', 'VMAF']);
    }
    const thumbnails = PLAN.settings.OutputGroups?.find((g) => g.Name === 'Thumbnails');
    expect(JSON.stringify(thumbnails)).not.toContain('PerFrameMetrics');
  });

  it('requests every metric the gate requires or has a default floor for, with the file suffix the gate reads', () => {
    // Prepare
    const floored = new Set([...Object.keys(DEFAULT_QUALITY_THRESHOLDS.topRung), ...Object.keys(DEFAULT_QUALITY_THRESHOLDS.otherRungs), ...REQUIRED_METRICS]);

    // Assess
    for (const codec of ['H_264', 'H_265'] as const) {
      expect(perFrameMetrics(codec)).toEqual(expect.arrayContaining([...floored].map((m) => METRIC_FILE_SUFFIX[m as keyof typeof METRIC_FILE_SUFFIX])));
    }
  });

  it('uses only values of the SDK enum FrameMetricType', () => {
    for (const codec of ['H_264', 'H_265'] as const) {
      for (const metric of perFrameMetrics(codec)) expect(Object.values(FrameMetricType)).toContain(metric);
    }
  });

  withModel('validates against the service model: PerFrameMetrics exists on H264Settings and H265Settings and every value is in its enum', () => {
    // Prepare
    const shapes = model!.shapes;
    for (const [codec, settings] of [['H_264', 'H264Settings'], ['H_265', 'H265Settings']] as const) {
      const member = shapes[settings]?.members?.PerFrameMetrics;
      expect(member).toBeDefined();
      const list = shapes[member!.shape];
      const allowed = shapes[list.member!.shape].enum!;

      // Assess
      for (const metric of perFrameMetrics(codec)) expect(allowed).toContain(metric);
    }
  });
});
