import type { InputRotate } from '@aws-sdk/client-mediaconvert';
import { UnsupportedMedia } from '../shared/errors';
import type { MediaMetadata } from '../shared/job';

/**
 * MediaInfo's General Format for the containers MediaConvert's `Rotate: AUTO` reads. AUTO
 * needs "Input container: .mov or .mp4" ("Input file requirements for video rotation",
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/auto-rotate-requirements.html); MediaInfo
 * calls both "MPEG-4" (a .mov is MPEG-4 with the QuickTime profile), older QuickTime "QuickTime".
 */
export const AUTO_ROTATE_CONTAINERS: ReadonlySet<string> = new Set(['MPEG-4', 'QuickTime']);

const EXPLICIT: Readonly<Record<0 | 90 | 180 | 270, InputRotate>> = {
  0: 'DEGREE_0',
  90: 'DEGREES_90',
  180: 'DEGREES_180',
  270: 'DEGREES_270',
};

export interface RotationPlan {
  /** `VideoSelector.Rotate`. */
  readonly rotate: InputRotate;
  /** The clockwise turn MediaConvert applies (what the display size already accounts for). */
  readonly clockwiseDegrees: 0 | 90 | 180 | 270;
}

/**
 * How MediaConvert must rotate the source so the outputs come out upright at the display size
 * the ladder was planned on (extract-metadata swaps width and height for quarter turns).
 *
 * - .mov/.mp4: AUTO, MediaConvert applies the display matrix itself.
 * - any other container (MKV, WebM, MXF, TS): AUTO does nothing there ("By default, the service
 *   does no rotation, even if your input video has rotation metadata", VideoSelector.Rotate in the
 *   API reference), so the probed rotation becomes an explicit clockwise DEGREES_90/180/270
 *   ("Configuring manual video rotation",
 *   https://docs.aws.amazon.com/mediaconvert/latest/ug/manually-specified-rotation.html).
 * - a rotation that is not within one degree of a quarter turn: MediaConvert would not rotate
 *   (AUTO "defaults to no rotation") and there is no explicit value for it, so the source is
 *   refused with UnsupportedMedia (reason `unsupported-rotation`) instead of coming out tilted.
 *
 * `metadata.rotation` is MediaInfo's angle: counter-clockwise (a phone's `rotate=90` reads 270).
 */
export function planRotation(metadata: Pick<MediaMetadata, 'container' | 'rotation'>): RotationPlan {
  const counterClockwise = ((metadata.rotation % 360) + 360) % 360;
  const clockwise = (360 - counterClockwise) % 360;
  const quarter = Math.round(clockwise / 90) * 90;
  if (Math.abs(clockwise - quarter) > 1) {
    throw new UnsupportedMedia(`Source rotation of ${metadata.rotation} degrees is not a quarter turn; MediaConvert can only rotate by 90, 180 or 270 degrees`, {
      context: { reason: 'unsupported-rotation', rotation: metadata.rotation, container: metadata.container },
    });
  }
  const clockwiseDegrees = (quarter % 360) as RotationPlan['clockwiseDegrees'];
  return {
    rotate: AUTO_ROTATE_CONTAINERS.has(metadata.container) ? 'AUTO' : EXPLICIT[clockwiseDegrees],
    clockwiseDegrees,
  };
}
