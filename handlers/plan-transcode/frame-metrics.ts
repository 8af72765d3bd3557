import type { FrameMetricType } from '@aws-sdk/client-mediaconvert';

/**
 * The per-frame quality reports every video output asks MediaConvert for; quality-control reads
 * them (handlers/quality-control/quality-metrics.ts). SSIM and PSNR are what the gate requires
 * (and what the local ffmpeg measures too); VMAF is the metric closest to what viewers report.
 * The service model lists `PerFrameMetrics` (FrameMetricType: PSNR, SSIM, MS_SSIM, PSNR_HVS, VMAF,
 * QVBR, SHOT_CHANGE) on H264Settings and H265Settings alike (also AV1, MPEG-2, AVC-Intra, XAVC,
 * ProRes), and the user guide's requirements list H.264 and H.265 among the supported codecs
 * ("Requirements and processing impact",
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/per-frame-metrics-requirements.html), so
 * both codecs get all three. The same page warns of the cost: such jobs take longer ("up to twice
 * as long" for 4K), and VMAF is the most expensive metric to compute.
 */
export function perFrameMetrics(codec: 'H_264' | 'H_265'): FrameMetricType[] {
  switch (codec) {
    case 'H_264':
    case 'H_265':
      return ['SSIM', 'PSNR', 'VMAF'];
  }
}
