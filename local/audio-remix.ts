import { MUTE_DB, roleOfChannel, STEREO_GAINS_DB } from '../handlers/plan-transcode/audio';
import type { SettingsReader } from './settings-reader';

/**
 * MediaConvert's AudioDescription.RemixSettings as an ffmpeg `pan` filter, so a local run mixes
 * mono and 5.1 sources the way the MediaConvert job will (handlers/plan-transcode/audio.ts).
 *
 * - One or two input channels: MediaConvert and ffmpeg number them alike (c0, c1), so the
 *   ChannelMapping gains are applied exactly, by index.
 * - More: MediaConvert numbers input channels in the stream's order (AAC 5.1: C L R Ls Rs LFE),
 *   ffmpeg's decoder hands them over in its own order (FL FR FC LFE BL BR), so an index means a
 *   different channel on each side. A stereo remix is then applied by channel NAME with the same
 *   gain table plan-transcode builds the matrix from (STEREO_GAINS_DB), which gives each named
 *   channel the gain MediaConvert gives it.
 */

/** ffmpeg's standard channel layouts (`ffmpeg -layouts`) for the counts sources commonly have. */
const FFMPEG_LAYOUTS: Readonly<Record<string, readonly string[]>> = {
  mono: ['FC'],
  stereo: ['FL', 'FR'],
  '2.1': ['FL', 'FR', 'LFE'],
  '3.0': ['FL', 'FR', 'FC'],
  '3.0(back)': ['FL', 'FR', 'BC'],
  '3.1': ['FL', 'FR', 'FC', 'LFE'],
  '4.0': ['FL', 'FR', 'FC', 'BC'],
  quad: ['FL', 'FR', 'BL', 'BR'],
  'quad(side)': ['FL', 'FR', 'SL', 'SR'],
  '4.1': ['FL', 'FR', 'FC', 'LFE', 'BC'],
  '5.0': ['FL', 'FR', 'FC', 'BL', 'BR'],
  '5.0(side)': ['FL', 'FR', 'FC', 'SL', 'SR'],
  '5.1': ['FL', 'FR', 'FC', 'LFE', 'BL', 'BR'],
  '5.1(side)': ['FL', 'FR', 'FC', 'LFE', 'SL', 'SR'],
  '6.0': ['FL', 'FR', 'FC', 'BC', 'SL', 'SR'],
  '6.1': ['FL', 'FR', 'FC', 'LFE', 'BC', 'SL', 'SR'],
  '7.0': ['FL', 'FR', 'FC', 'BL', 'BR', 'SL', 'SR'],
  '7.1': ['FL', 'FR', 'FC', 'LFE', 'BL', 'BR', 'SL', 'SR'],
  '7.1(wide)': ['FL', 'FR', 'FC', 'LFE', 'BL', 'BR', 'FLC', 'FRC'],
  '7.1(wide-side)': ['FL', 'FR', 'FC', 'LFE', 'FLC', 'FRC', 'SL', 'SR'],
};

/** The source's first audio stream as ffprobe reports it. */
export interface SourceAudio {
  readonly channels?: number;
  /** ffprobe's `channel_layout` ("mono", "stereo", "5.1", ...). */
  readonly channelLayout?: string;
}

/** dB to the linear factor ffmpeg's pan takes, rounded so the filter stays readable. */
function linear(db: number): string {
  return (10 ** (db / 20)).toFixed(4).replace(/\.?0+$/, '');
}

function sum(terms: Array<[name: string, db: number]>): string {
  const audible = terms.filter(([, db]) => db > MUTE_DB);
  return audible.length === 0 ? '0*c0' : audible.map(([name, db]) => `${linear(db)}*${name}`).join('+');
}

/**
 * Reads `RemixSettings` of an AudioDescription and returns the `-af` filter that applies it, or
 * undefined when there is none. Anything it cannot reproduce is reported on the reader.
 */
export function remixFilter(remix: SettingsReader, source: SourceAudio): string | undefined {
  if (!remix.present) return undefined;
  const channelsIn = remix.num('ChannelsIn');
  const channelsOut = remix.num('ChannelsOut');
  const outputs = remix.section('ChannelMapping').list('OutputChannels').map((o) => {
    const gains = o.numList('InputChannels') ?? o.numList('InputChannelsFineTune') ?? [];
    o.finish();
    return gains;
  });
  remix.unsupported('AudioDescriptionAudioChannel', 'audio description mixing is not implemented locally');
  remix.unsupported('AudioDescriptionDataChannel', 'audio description mixing is not implemented locally');
  remix.finish();
  if (channelsIn === undefined || channelsOut === undefined || outputs.length !== channelsOut || outputs.some((g) => g.length !== channelsIn)) {
    remix.warn(`ChannelMapping not honoured: expected ${channelsOut} OutputChannels of ${channelsIn} gains each`);
    return undefined;
  }
  const outLayout = channelsOut === 1 ? 'mono' : channelsOut === 2 ? 'stereo' : undefined;
  if (outLayout === undefined) {
    remix.warn(`ChannelsOut=${channelsOut} not honoured: the local transcoder remixes to mono or stereo`);
    return undefined;
  }
  if (source.channels !== undefined && source.channels !== channelsIn) {
    remix.warn(`ChannelsIn=${channelsIn} not honoured: the source audio has ${source.channels} channel(s)`);
    return undefined;
  }
  if (channelsIn <= 2) {
    const inputs = Array.from({ length: channelsIn }, (_, i) => `c${i}`);
    return `pan=${outLayout}|${outputs.map((gains, k) => `c${k}=${sum(gains.map((db, i) => [inputs[i], db]))}`).join('|')}`;
  }
  const names = FFMPEG_LAYOUTS[source.channelLayout ?? ''];
  if (channelsOut !== 2 || names === undefined || names.length !== channelsIn || names.some((n) => roleOfChannel(n) === undefined)) {
    remix.warn(`ChannelMapping not honoured: no named ${channelsIn}-to-${channelsOut} downmix for the source layout "${source.channelLayout ?? 'unknown'}"`);
    return undefined;
  }
  return `pan=stereo|${[0, 1].map((side) => `c${side}=${sum(names.map((n) => [n, STEREO_GAINS_DB[roleOfChannel(n)!][side]]))}`).join('|')}`;
}
