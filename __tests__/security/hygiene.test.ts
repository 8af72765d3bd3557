/**
 * What must never be in a synthesized cdk.tf.json: credentials, private keys, passwords, and
 * paths of the machine that ran synth (the JSON is reviewed, committed to plans and shared).
 */
import { homedir, tmpdir } from 'node:os';
import { PROJECT_ROOT } from '../../stacks/lib/bundle';
import { STATE_STACK, synthApp, WORKFLOW_STACKS, type StackName, type SynthResult } from '../helpers/synth';

let app: SynthResult;
beforeAll(() => {
  app = synthApp();
});

const SECRET_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  ['AWS access key id', /\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/],
  ['AWS secret access key assignment', /aws_secret_access_key|secret_access_key|"secret_key"/i],
  ['private key block', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['password', /password|passwd/i],
  ['token-like assignment', /"(api_key|apikey|auth_token|client_secret)"\s*:/i],
];

/** Every string value in a JSON document, with its JSON path. */
function strings(value: unknown, path = '$', out: Array<[string, string]> = []): Array<[string, string]> {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) strings(v, `${path}.${k}`, out);
  return out;
}

describe('cdk.tf.json hygiene', () => {
  it.each<StackName>([...WORKFLOW_STACKS, STATE_STACK])('%s: no secret-looking values', (name) => {
    // Prepare
    const stack = app.stack(name);

    // Act
    const hits = SECRET_PATTERNS.filter(([, re]) => re.test(stack.raw)).map(([label]) => label);

    // Assess
    expect(hits).toEqual([]);
  });

  it('the secret patterns do detect what they look for', () => {
    // A guard against a pattern that never matches (the previous test would pass vacuously).
    const samples = ['AKIAABCDEFGHIJKLMNOP', '"secret_key": "x"', '-----BEGIN RSA PRIVATE KEY-----', '"db_password"', '"client_secret": 1'];
    expect(samples.map((s) => SECRET_PATTERNS.some(([, re]) => re.test(s)))).toEqual([true, true, true, true, true]);
  });

  it('holds no absolute path of the synth machine (asset paths and the local backend are relative)', () => {
    // Prepare
    const machinePaths = [PROJECT_ROOT, homedir(), tmpdir(), app.outdir].filter((p) => p.length > 1);
    const offending: string[] = [];

    // Act
    for (const stack of Object.values(app.stacks)) {
      expect(stack.raw).not.toContain(PROJECT_ROOT);
      for (const [path, value] of strings(stack.json)) {
        if (machinePaths.some((p) => value.includes(p)) || /^([A-Za-z]:\\|\/(home|Users|root|tmp|var|opt|work|private)\/)/.test(value)) {
          offending.push(`${stack.name} ${path}: ${value}`);
        }
      }
    }

    // Assess
    expect(offending).toEqual([]);
    const backend = app.env('dev').json.terraform?.backend?.local?.path as string;
    expect(backend).toMatch(/^\.\.\//);
    const assetPaths = Object.values(app.env('prod').resources('aws_lambda_function')).map((f) => f.filename as string);
    expect(assetPaths.length).toBeGreaterThan(0);
    for (const p of assetPaths) expect(p).toMatch(/^assets\//);
  });

  it('marks no variable that carries a secret as plain (there are none: the stack takes no secrets)', () => {
    for (const stack of Object.values(app.stacks)) {
      const names = Object.keys(stack.json.variable ?? {});
      expect(names.filter((n) => /secret|password|token|key$/i.test(n))).toEqual([]);
    }
  });
});
