import type { TranscodeResult } from './job';

/**
 * The order the standard profile writes MediaConvert's output groups in (and GetJob reports them
 * in); other profiles name theirs in the plan's `groupRoles`.
 */
export const OUTPUT_GROUP_ORDER = ['mp4', 'hls', 'thumbnails'] as const;
export type OutputGroupRole = 'mp4' | 'hls' | 'cmaf' | 'thumbnails';

export type OutputGroupDetail = TranscodeResult['outputGroupDetails'][number];

/**
 * Which planned group a reported one is. The job state change event (and the local transcoder)
 * give a type (`HLS_GROUP`, `HLS_GROUP_SETTINGS`) and file paths; GetJob, which
 * `createJob.sync` returns, gives neither, and then the position in the plan's group roles decides.
 * Quality control and publish both classify with this, so they never disagree.
 */
export function outputGroupRole(group: OutputGroupDetail, index: number, roles: readonly OutputGroupRole[] = OUTPUT_GROUP_ORDER): OutputGroupRole | 'unknown' {
  const paths = (group.OutputDetails ?? []).flatMap((d) => d.OutputFilePaths ?? []);
  const playlists = group.PlaylistFilePaths ?? [];
  if (group.Type?.startsWith('CMAF_GROUP') || playlists.some((p) => p.endsWith('.mpd'))) return 'cmaf';
  if (group.Type?.startsWith('HLS_GROUP') || (group.PlaylistFilePaths ?? []).length > 0 || paths.some((p) => p.endsWith('.m3u8'))) return 'hls';
  if (paths.some((p) => /\.jpe?g$/i.test(p))) return 'thumbnails';
  if (paths.some((p) => p.endsWith('.mp4'))) return 'mp4';
  return roles[index] ?? 'unknown';
}
