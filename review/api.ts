/**
 * What the review server's JSON routes answer; shared by the server (review/server.ts) and the
 * page (review/ui/). Type-only: the browser bundle imports nothing from Node through it.
 */
import type { JournalEntry } from '../local/job-journal';
import type { Playback } from '../handlers/shared/playback';

/** A row of the job list (`GET /api/jobs`). */
export interface JobSummary {
  readonly jobId: string;
  /** File name the user ran (no folder). */
  readonly file: string;
  readonly status: JournalEntry['status'];
  readonly startedAt: string;
  readonly durationSeconds?: number;
  /** The encoding profile the job ran with, when the record names one. */
  readonly profile?: string;
  readonly wallMs?: number;
  readonly error?: { readonly name: string; readonly cause: string };
}

export interface JobListResponse {
  readonly stateDir: string;
  readonly jobs: readonly JobSummary[];
}

/** One HLS rendition as the master lists it, measured from its segments in the output bucket. */
export interface RenditionView {
  /** Playlist URL (path = output object key). */
  readonly url: string;
  readonly width?: number;
  readonly height?: number;
  /** BANDWIDTH / AVERAGE-BANDWIDTH from the master (bits/s). */
  readonly bandwidth?: number;
  readonly averageBandwidth?: number;
  /** Average bit rate of the segments as written (bytes * 8 / seconds). */
  readonly measuredBitrate: number;
  readonly bytes: number;
  readonly segmentCount: number;
  readonly durationMs: number;
  /** The planned rung's max bitrate (plan-transcode's ladder), matched by resolution. */
  readonly plannedMaxBitrate?: number;
}

/** Media URLs of a job: paths on the review server, the same paths as the cloud delivery (the player uses HLS, not DASH). */
export type JobMedia = Omit<Playback, 'dash'>;

/** `GET /api/jobs/<jobId>`: the journal entry plus media URLs and measured renditions. */
export interface JobView {
  readonly entry: JournalEntry;
  readonly media: JobMedia;
  readonly renditions: readonly RenditionView[];
  /** Why renditions could not be measured (master missing, unreadable), if so. */
  readonly renditionsError?: string;
}

/** `GET /api/server`: lets `npm run local` find a server for its state folder. */
export interface ServerInfo {
  readonly app: typeof REVIEW_APP_ID;
  readonly stateDir: string;
  readonly pid: number;
}

export const REVIEW_APP_ID = 'video-workflow-review';
