import type { AacCodingMode, RemixSettings } from '@aws-sdk/client-mediaconvert';
import type { MediaMetadata } from '../shared/job';

/**
 * Stereo output from any probed channel layout. Every rendition carries AAC 2.0
 * (CODING_MODE_2_0: "Two channels, L, R", AacSettings.CodingMode in the API reference), so
 * players get one layout; the source decides the remix in front of it:
 *
 * - mono: 2.0 from one input channel without a remix may come out on the left side only, so
 *   RemixSettings puts the one channel on both sides at 0 dB;
 * - stereo: passed through, no remix;
 * - more channels (5.1, 7.1): a Lo/Ro downmix (centre and surrounds at -3 dB, LFE dropped: the
 *   ATSC A/52 default mix levels) built by channel NAME from MediaInfo's ChannelLayout, which
 *   lists the channels in stream order, the order MediaConvert numbers its input channels in.
 *
 * RemixSettings: ChannelsIn, ChannelsOut and one OutputChannels entry per output channel whose
 * InputChannels hold a gain in dB per input channel, 0 passing it unchanged and -60 muting it
 * (RemixSettings / ChannelMapping / OutputChannelMapping in the API reference,
 * https://docs.aws.amazon.com/mediaconvert/latest/apireference/jobs.html#jobs-model-remixsettings;
 * the matrix layout, rows = input channels, columns = L (0) and R (1), in "Configuring a job that
 * mixes audio descriptions", https://docs.aws.amazon.com/mediaconvert/latest/ug/audio-description-use.html).
 * The local transcoder (local/transcode-plan.ts) applies the same gains with ffmpeg's pan filter.
 */

/** RemixSettings' mute level (InputChannels take -60..6 dB). */
export const MUTE_DB = -60;
/** Centre and surround channels in a Lo/Ro downmix: -3 dB (0.707). */
export const DOWNMIX_DB = -3;

/** What a probed channel contributes to the left and right output, in dB. */
export type ChannelRole = 'left' | 'right' | 'centre' | 'leftSurround' | 'rightSurround' | 'lfe';

export const STEREO_GAINS_DB: Readonly<Record<ChannelRole, readonly [left: number, right: number]>> = {
  left: [0, MUTE_DB],
  right: [MUTE_DB, 0],
  centre: [DOWNMIX_DB, DOWNMIX_DB],
  leftSurround: [DOWNMIX_DB, MUTE_DB],
  rightSurround: [MUTE_DB, DOWNMIX_DB],
  lfe: [MUTE_DB, MUTE_DB],
};

/**
 * MediaInfo ChannelLayout names (e.g. AAC 5.1 "C L R Ls Rs LFE", PCM 5.1 "L R C LFE Ls Rs",
 * mono "M") and ffmpeg channel names (FL, FC, BL, SL, ...) to their role.
 */
const ROLE_OF_NAME: Readonly<Record<string, ChannelRole>> = {
  L: 'left', Lw: 'left', Lc: 'left', Lt: 'left', FL: 'left', FLC: 'left', WL: 'left',
  R: 'right', Rw: 'right', Rc: 'right', Rt: 'right', FR: 'right', FRC: 'right', WR: 'right',
  C: 'centre', M: 'centre', Cs: 'centre', Cb: 'centre', FC: 'centre', BC: 'centre',
  Ls: 'leftSurround', Lss: 'leftSurround', Lsr: 'leftSurround', Lb: 'leftSurround', Lrs: 'leftSurround', BL: 'leftSurround', SL: 'leftSurround',
  Rs: 'rightSurround', Rss: 'rightSurround', Rsr: 'rightSurround', Rb: 'rightSurround', Rrs: 'rightSurround', BR: 'rightSurround', SR: 'rightSurround',
  LFE: 'lfe', LFE2: 'lfe', LFE1: 'lfe',
};

/** SMPTE/ITU order, assumed when MediaInfo gives no usable layout (PCM and most decoders use it). */
const DEFAULT_LAYOUTS: Readonly<Record<number, readonly string[]>> = {
  3: ['L', 'R', 'C'],
  4: ['L', 'R', 'Ls', 'Rs'],
  5: ['L', 'R', 'C', 'Ls', 'Rs'],
  6: ['L', 'R', 'C', 'LFE', 'Ls', 'Rs'],
  7: ['L', 'R', 'C', 'LFE', 'Cs', 'Ls', 'Rs'],
  8: ['L', 'R', 'C', 'LFE', 'Lb', 'Rb', 'Ls', 'Rs'],
};

export function roleOfChannel(name: string): ChannelRole | undefined {
  return ROLE_OF_NAME[name];
}

export type AudioDecision = 'stereo' | 'mono-to-both' | 'downmix';

export interface AudioPlan {
  readonly decision: AudioDecision;
  readonly codingMode: AacCodingMode;
  /** Only when the source is not already stereo. */
  readonly remix?: RemixSettings;
  /** Channel names used for the downmix, in stream order. */
  readonly layout?: readonly string[];
  /** True when MediaInfo gave no usable layout and DEFAULT_LAYOUTS was assumed. */
  readonly layoutAssumed?: boolean;
}

/**
 * The audio remix for a source with audio (undefined without). A source that does not say how
 * many channels it has (older records, a probe that missed it) is treated as stereo, what
 * MediaConvert's 2.0 coding mode expects.
 */
export function planAudio(metadata: Pick<MediaMetadata, 'audioTrackCount' | 'audioChannels' | 'audioChannelLayout'>): AudioPlan | undefined {
  if (metadata.audioTrackCount <= 0) return undefined;
  const channels = metadata.audioChannels ?? 2;
  if (channels === 2) return { decision: 'stereo', codingMode: 'CODING_MODE_2_0' };
  if (channels <= 1) {
    return {
      decision: 'mono-to-both',
      codingMode: 'CODING_MODE_2_0',
      remix: { ChannelsIn: 1, ChannelsOut: 2, ChannelMapping: { OutputChannels: [{ InputChannels: [0] }, { InputChannels: [0] }] } },
    };
  }
  const probed = (metadata.audioChannelLayout ?? '').split(/\s+/).filter(Boolean);
  const usable = probed.length === channels && probed.every((name) => roleOfChannel(name) !== undefined);
  const layout = usable ? probed : (DEFAULT_LAYOUTS[channels] ?? ['L', 'R', ...Array.from({ length: channels - 2 }, () => 'LFE')]);
  const gains = layout.map((name) => STEREO_GAINS_DB[roleOfChannel(name) ?? 'lfe']);
  return {
    decision: 'downmix',
    codingMode: 'CODING_MODE_2_0',
    remix: {
      ChannelsIn: channels,
      ChannelsOut: 2,
      ChannelMapping: { OutputChannels: [0, 1].map((side) => ({ InputChannels: gains.map((g) => g[side]) })) },
    },
    layout,
    ...(usable ? {} : { layoutAssumed: true }),
  };
}
