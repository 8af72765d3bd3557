/**
 * What no public response may carry (issue 12): an s3:// URI, a bucket name of this project,
 * a 12-digit account id or an ARN. Bucket names carry the account id and region, ARNs the
 * account; a caller needs neither (the API never lets them pick a bucket).
 */
export const LEAK_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['s3:// URI', /s3:\/\//i],
  ['ARN', /\barn:aws[a-z-]*:/i],
  // Not the last group of a UUID (upload keys carry one: `.../00000000-0000-4000-8000-000000000007/clip.mp4`).
  ['12-digit account id', /(?<![0-9A-Za-z])(?<![0-9a-fA-F]{4}-)\d{12}(?![0-9A-Za-z])/],
  ['bucket name', /video-workflow-[a-z0-9-]*-(source|output|archive)\b/],
];

/** The leaks found in one serialized response, as "<label>: <match>". */
export function findLeaks(text: string): string[] {
  return LEAK_PATTERNS.flatMap(([label, re]) => {
    const m = re.exec(text);
    return m ? [`${label}: ${m[0]}`] : [];
  });
}

/**
 * The public part of one API response body. POST /uploads answers a presigned POST: its `url`
 * and `fields` must name the source bucket (the browser posts to it), so they are the one
 * documented exception; everything else in every response is public.
 */
export function publicPart(route: string, body: unknown): unknown {
  if (route === 'POST /uploads' && body && typeof body === 'object') {
    const { url: _url, fields: _fields, ...rest } = body as Record<string, unknown>;
    return rest;
  }
  return body;
}
