/**
 * `npm run local:serve`: the local run's delivery and review server on 127.0.0.1.
 *
 * - `/<jobId>/...` serves the local output bucket (s3rver's folder) with URL path = object key,
 *   the layout of the CloudFront distribution in front of the output bucket, so a record's
 *   playback URLs and the page's player work the same way locally and in the cloud.
 * - `/` and `/jobs/<jobId>` are the review page (review/ui/, bundled with esbuild at start-up,
 *   hls.js included: the page makes no request off this server).
 * - `/api/jobs`, `/api/jobs/<jobId>` and `/api/server` are the JSON the page reads.
 * It only reads the state folder (the journal and s3rver's files), so it runs beside
 * `npm run local`, which holds the folder's lock and dynalite's database.
 */
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, posix, resolve } from 'node:path';
import { contentType } from 'mime-types';
import send from 'send';
import { Parser } from 'm3u8-parser';
import { LOCAL_DELIVERY_HOST } from '../local/delivery';
import { LOCAL_NAMES } from '../local/environment';
import { measureRendition } from '../local/hls-master';
import { readJournal, readJournalEntry, type JournalEntry } from '../local/job-journal';
import { parseS3Uri } from '../local/s3-uri';
import { stateLayout } from '../local/state-layout';
import { REVIEW_APP_ID, type JobListResponse, type JobMedia, type JobSummary, type JobView, type RenditionView, type ServerInfo } from './api';

// s3rver ships no types; its filesystem store maps (bucket, key) to the file holding the object.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FilesystemStore = require('s3rver/lib/stores/filesystem') as new (root: string) => {
  getResourcePath(bucket: string, key: string, resource: 'object' | 'metadata.json'): string;
};

const UI_ENTRY = resolve(__dirname, 'ui', 'main.ts');

export interface ReviewServerOptions {
  readonly stateDir: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
}

export interface ReviewServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The port is taken; the message says what to do. */
export class PortInUse extends Error {
  override readonly name = 'PortInUse';
}

interface UiBundle {
  readonly js: string;
  readonly css: string;
}

/** Bundles review/ui/ (TypeScript + hls.js + CSS) in memory. */
export async function bundleUi(): Promise<UiBundle> {
  const result = await build({
    entryPoints: [UI_ENTRY],
    bundle: true,
    write: false,
    outdir: 'review-ui',
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const text = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: text('.js'), css: text('.css') };
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local jobs · video workflow</title>
<link rel="stylesheet" href="/assets/review.css">
</head>
<body>
<main id="app"><p>Loading…</p></main>
<script src="/assets/review.js"></script>
</body>
</html>
`;

export async function startReviewServer(options: ReviewServerOptions): Promise<ReviewServer> {
  const stateDir = resolve(options.stateDir);
  const bucketStore = new FilesystemStore(stateLayout(stateDir).s3);
  const ui = await bundleUi();
  const objectFile = (key: string) => bucketStore.getResourcePath(LOCAL_NAMES.outputBucket, key, 'object');

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: `${req.method} is not allowed; this server only reads` });
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/' || /^\/jobs\/[^/]+\/?$/.test(path)) return text(res, 200, 'text/html; charset=utf-8', PAGE);
    if (path === '/assets/review.js') return text(res, 200, 'text/javascript; charset=utf-8', ui.js);
    if (path === '/assets/review.css') return text(res, 200, 'text/css; charset=utf-8', ui.css);
    if (path === '/api/server') return json(res, 200, { app: REVIEW_APP_ID, stateDir, pid: process.pid } satisfies ServerInfo);
    if (path === '/api/jobs') {
      const jobs = (await readJournal(stateDir)).map(summaryOf);
      return json(res, 200, { stateDir, jobs } satisfies JobListResponse);
    }
    const api = /^\/api\/jobs\/([^/]+)$/.exec(path);
    if (api) {
      const jobId = decodeURIComponent(api[1]!);
      const entry = await readJournalEntry(stateDir, jobId);
      if (!entry) return json(res, 404, { error: `No local job ${jobId} in ${stateDir}` });
      return json(res, 200, await jobView(entry, objectFile));
    }
    if (path === '/favicon.ico') return text(res, 204, 'image/x-icon', '');
    return serveObject(req, res, path, objectFile, bucketStore);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: `${(err as Error).name}: ${(err as Error).message}` });
      else res.destroy();
    });
  });
  await listen(server, options.port);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOCAL_DELIVERY_HOST}:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((done, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUse(`Port ${port} on ${LOCAL_DELIVERY_HOST} is in use (another npm run local:serve?); choose one with --port N`) : err),
    );
    server.listen(port, LOCAL_DELIVERY_HOST, () => done());
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  text(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function text(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

/** An output object by key (URL path = key), with range requests and ETags handled by `send`. */
async function serveObject(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  objectFile: (key: string) => string,
  store: InstanceType<typeof FilesystemStore>,
): Promise<void> {
  let key: string;
  try {
    key = decodeURIComponent(path.slice(1));
  } catch {
    return json(res, 400, { error: `The path ${path} is not valid percent-encoding` });
  }
  // Keys are `<jobId>/...`; a dot segment or NUL could step out of the bucket folder.
  if (key === '' || key.split('/').some((p) => p === '..' || p === '.') || key.includes('\0')) {
    return json(res, 404, { error: `No output object ${path}` });
  }
  // The Content-Type the object was stored with (as S3, hence CloudFront, would send it); else by extension.
  let type: string | false = false;
  try {
    const meta = JSON.parse(await readFile(store.getResourcePath(LOCAL_NAMES.outputBucket, key, 'metadata.json'), 'utf8')) as Record<string, string>;
    type = meta['content-type'] ?? false;
  } catch {
    // No metadata file: the object may not exist; send answers 404 then.
  }
  type = type || contentType(extname(key)) || 'application/octet-stream';
  res.setHeader('content-type', type);
  send(req, objectFile(key), { dotfiles: 'allow', index: false, cacheControl: false })
    .on('error', (err: Error & { status?: number }) => {
      res.removeHeader('content-type');
      json(res, err.status ?? 500, { error: err.status === 404 ? `No output object ${path}` : err.message });
    })
    .pipe(res);
}

function summaryOf(entry: JournalEntry): JobSummary {
  const profile = (entry.record as { profile?: unknown } | undefined)?.profile;
  return {
    jobId: entry.jobId,
    file: posix.basename(entry.file.replaceAll('\\', '/')),
    status: entry.status,
    startedAt: entry.startedAt,
    ...(entry.record?.metadata ? { durationSeconds: entry.record.metadata.durationSeconds } : {}),
    ...(typeof profile === 'string' ? { profile } : {}),
    ...(entry.wallMs !== undefined ? { wallMs: entry.wallMs } : {}),
    ...(entry.error ? { error: entry.error } : {}),
  };
}

/** URL path of an output: a playback URL's path, or an s3:// URI's key (path = key). */
function urlPath(location: string): string {
  if (location.startsWith('s3://')) return `/${parseS3Uri(location).key.split('/').map(encodeURIComponent).join('/')}`;
  return new URL(location).pathname;
}

/**
 * Media URLs for the page. A record with `playback` (https URLs on the delivery base) is used as
 * is, on this server's origin; otherwise the outputs' s3:// keys give the same paths.
 */
export function mediaOf(entry: JournalEntry): JobMedia {
  const record = entry.record as (JournalEntry['record'] & { playback?: Partial<Record<'hls' | 'mp4' | 'thumbnails', unknown>> }) | undefined;
  const pick = (field: 'hls' | 'mp4' | 'thumbnails'): string[] => {
    const fromPlayback = record?.playback?.[field];
    const value = fromPlayback ?? record?.outputs?.[field];
    const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
    return list.filter((v): v is string => typeof v === 'string').map(urlPath);
  };
  const hls = pick('hls')[0];
  return { ...(hls ? { hls } : {}), mp4: pick('mp4'), thumbnails: pick('thumbnails') };
}

async function jobView(entry: JournalEntry, objectFile: (key: string) => string): Promise<JobView> {
  const media = mediaOf(entry);
  if (!media.hls || entry.status !== 'COMPLETED') return { entry, media, renditions: [] };
  try {
    return { entry, media, renditions: await measureRenditions(media.hls, entry, objectFile) };
  } catch (err) {
    return { entry, media, renditions: [], renditionsError: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/** Every rendition the master lists, measured from its segments in the bucket. */
async function measureRenditions(masterUrl: string, entry: JournalEntry, objectFile: (key: string) => string): Promise<RenditionView[]> {
  const masterKey = decodeURIComponent(masterUrl.slice(1));
  const parser = new Parser();
  parser.push(await readFile(objectFile(masterKey), 'utf8'));
  parser.end();
  const folder = posix.dirname(masterKey);
  return Promise.all(
    (parser.manifest.playlists ?? []).map(async (p): Promise<RenditionView> => {
      const key = posix.join(folder, p.uri);
      const stats = await measureRendition(key, objectFile);
      const resolution = p.attributes.RESOLUTION;
      const planned = entry.ladder?.find((r) => r.width === resolution?.width && r.height === resolution?.height);
      const average = (p.attributes as { 'AVERAGE-BANDWIDTH'?: number })['AVERAGE-BANDWIDTH'];
      return {
        url: `/${key.split('/').map(encodeURIComponent).join('/')}`,
        ...(resolution ? { width: resolution.width, height: resolution.height } : {}),
        ...(p.attributes.BANDWIDTH !== undefined ? { bandwidth: p.attributes.BANDWIDTH } : {}),
        ...(average !== undefined ? { averageBandwidth: Number(average) } : {}),
        measuredBitrate: stats.averageBitrate,
        bytes: stats.bytes,
        segmentCount: stats.segmentCount,
        durationMs: stats.durationMs,
        ...(planned ? { plannedMaxBitrate: planned.maxBitrate } : {}),
      };
    }),
  );
}
