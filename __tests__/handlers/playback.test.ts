import { jobEventEntry } from '../../handlers/shared/job-events';
import { deliverySettings, playbackFor, playbackUrl, requireDeliverySettings } from '../../handlers/shared/playback';
import { unsignedView } from '../../handlers/shared/public-job';
import { jobRecord } from '../fixtures/events';

const CDN = 'https://d111111abcdef8.cloudfront.net';
const JOB = '0123456789abcdef0123456789abcdef';

describe('playback URLs', () => {
  it('maps each output key to the same path on the delivery base URL (URL path = object key)', () => {
    const out = (p: string) => `s3://video-workflow-prod-output-123456789012-eu-west-1/${JOB}/${p}`;
    expect(playbackFor({ hls: out('hls/clip.m3u8'), mp4: [out('mp4/clip_1080p.mp4')], thumbnails: [out('thumbnails/clip.0000001.jpg')] }, CDN)).toEqual({
      hls: `${CDN}/${JOB}/hls/clip.m3u8`,
      mp4: [`${CDN}/${JOB}/mp4/clip_1080p.mp4`],
      thumbnails: [`${CDN}/${JOB}/thumbnails/clip.0000001.jpg`],
    });
    expect(playbackFor({ mp4: [out('mp4/a.mp4')], thumbnails: [] }, CDN)).toEqual({ mp4: [`${CDN}/${JOB}/mp4/a.mp4`], thumbnails: [] });
  });

  it('carries a CMAF group\'s DASH manifest beside its HLS master', () => {
    const out = (p: string) => `s3://video-workflow-prod-output-123456789012-eu-west-1/${JOB}/${p}`;
    expect(playbackFor({ hls: out('cmaf/master.m3u8'), dash: out('cmaf/master.mpd'), mp4: [], thumbnails: [] }, CDN)).toEqual({
      hls: `${CDN}/${JOB}/cmaf/master.m3u8`,
      dash: `${CDN}/${JOB}/cmaf/master.mpd`,
      mp4: [],
      thumbnails: [],
    });
  });

  it('puts playback in the completion event only when it is unsigned (only get-job signs URLs)', () => {
    // Prepare
    const playback = { hls: `${CDN}/${JOB}/cmaf/master.m3u8`, dash: `${CDN}/${JOB}/cmaf/master.mpd`, mp4: [], thumbnails: [] };
    const job = jobRecord({ jobId: JOB, status: 'COMPLETED', playback });
    const detail = (signed: boolean) => JSON.parse(jobEventEntry(job, 'video-workflow.prod', unsignedView({ baseUrl: CDN, signed }))!.Detail) as { playback?: unknown };

    // Assess
    expect(detail(false).playback).toEqual(playback);
    expect(detail(true).playback).toBeUndefined();
  });

  it('percent-encodes each key segment (a name with spaces or # stays one path)', () => {
    expect(playbackUrl(CDN, `s3://b/${JOB}/mp4/my clip#1.mp4`)).toBe(`${CDN}/${JOB}/mp4/my%20clip%231.mp4`);
  });
});

describe('delivery settings from the environment', () => {
  it('reads the base URL and the signing flag the stack sets', () => {
    expect(deliverySettings({ DELIVERY_BASE_URL: CDN, DELIVERY_SIGNED_PLAYBACK: 'true' })).toEqual({ baseUrl: CDN, signed: true });
    expect(deliverySettings({ DELIVERY_BASE_URL: 'http://127.0.0.1:8750' })).toEqual({ baseUrl: 'http://127.0.0.1:8750', signed: false });
    expect(deliverySettings({})).toBeUndefined();
  });

  it('names the variable when a value is malformed or missing', () => {
    expect(() => deliverySettings({ DELIVERY_BASE_URL: `${CDN}/` })).toThrow('DELIVERY_BASE_URL must be an origin');
    expect(() => deliverySettings({ DELIVERY_BASE_URL: CDN, DELIVERY_SIGNED_PLAYBACK: 'yes' })).toThrow('DELIVERY_SIGNED_PLAYBACK must be "true" or "false"');
    expect(() => requireDeliverySettings({})).toThrow('Environment variable DELIVERY_BASE_URL is not set');
  });
});
