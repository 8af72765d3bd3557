import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * MediaConvert's published API model (the botocore copy: `botocore/data/mediaconvert/2017-08-29/
 * service-2.json`, gzipped in newer releases) and a validator for request values against it.
 * The model is read from disk at test time, never copied into the project: when AWS adds an
 * enum value or changes a range, the tests follow the installed model.
 */
export interface ShapeRef {
  readonly shape: string;
}

export interface Shape {
  readonly type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'double' | 'boolean' | 'timestamp';
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly required?: readonly string[];
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly enum?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
}

export interface ServiceModel {
  readonly file: string;
  readonly shapes: Readonly<Record<string, Shape>>;
}

const MODEL_PATH = path.join('data', 'mediaconvert', '2017-08-29');

/** Where botocore is for the `python3` on PATH (the image's, or Debian's python3-botocore). */
function botocoreDir(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The model file, or undefined when no botocore is installed. */
export function mediaConvertModelFile(): string | undefined {
  const dirs = [botocoreDir(), '/usr/lib/python3/dist-packages/botocore'].filter((d): d is string => d !== undefined && d !== '');
  for (const dir of dirs) {
    for (const name of ['service-2.json.gz', 'service-2.json']) {
      const file = path.join(dir, MODEL_PATH, name);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}

let cached: ServiceModel | undefined;

/** Loads the model; throws a message saying how to install it when it is absent. */
export function loadMediaConvertModel(): ServiceModel {
  if (cached) return cached;
  const file = mediaConvertModelFile();
  if (file === undefined) {
    throw new Error('MediaConvert service model not found: install botocore (Debian: apt-get install python3-botocore; CI does in .ci/run)');
  }
  const raw = readFileSync(file);
  const json = JSON.parse((file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as { shapes: Record<string, Shape> };
  cached = { file, shapes: json.shapes };
  return cached;
}

/**
 * Numeric bounds. Integers carry `min`/`max`; doubles carry them only in the shape's name
 * (`__doubleMin1Max10`, `__doubleMinNegative59Max0`), which is part of the model too.
 */
function bounds(name: string, shape: Shape): { min?: number; max?: number } {
  if (shape.min !== undefined || shape.max !== undefined) return { min: shape.min, max: shape.max };
  const m = /^__double(?:Min(Negative)?(\d+))?(?:Max(Negative)?(\d+))?$/.exec(name);
  if (!m) return {};
  return {
    ...(m[2] !== undefined ? { min: (m[1] ? -1 : 1) * Number(m[2]) } : {}),
    ...(m[4] !== undefined ? { max: (m[3] ? -1 : 1) * Number(m[4]) } : {}),
  };
}

/**
 * Every way `value` breaks shape `shapeName`: unknown members, missing required members,
 * wrong JSON types, values outside the enum, numbers outside the range, strings or lists
 * outside their length bounds, strings not matching the pattern. Empty when it conforms.
 */
export function validateAgainstModel(model: ServiceModel, shapeName: string, value: unknown, at = shapeName): string[] {
  const shape = model.shapes[shapeName];
  if (shape === undefined) return [`${at}: shape ${shapeName} is not in the model`];
  const errors: string[] = [];
  const fail = (message: string) => errors.push(`${at}: ${message}`);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected an object (${shapeName})`];
      const record = value as Record<string, unknown>;
      for (const [key, v] of Object.entries(record)) {
        const member = shape.members?.[key];
        if (member === undefined) fail(`unknown member ${key} (${shapeName} has ${Object.keys(shape.members ?? {}).join(', ')})`);
        else if (v !== undefined) errors.push(...validateAgainstModel(model, member.shape, v, `${at}.${key}`));
      }
      for (const key of shape.required ?? []) if (record[key] === undefined) fail(`missing required member ${key}`);
      break;
    }
    case 'list': {
      if (!Array.isArray(value)) return [`${at}: expected a list (${shapeName})`];
      if (shape.min !== undefined && value.length < shape.min) fail(`list has ${value.length} items, minimum ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max) fail(`list has ${value.length} items, maximum ${shape.max}`);
      value.forEach((item, i) => errors.push(...validateAgainstModel(model, shape.member!.shape, item, `${at}[${i}]`)));
      break;
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected a map (${shapeName})`];
      for (const [k, v] of Object.entries(value)) {
        errors.push(...validateAgainstModel(model, shape.key!.shape, k, `${at}{key ${k}}`));
        errors.push(...validateAgainstModel(model, shape.value!.shape, v, `${at}["${k}"]`));
      }
      break;
    }
    case 'string': {
      if (typeof value !== 'string') return [`${at}: expected a string, got ${JSON.stringify(value)}`];
      if (shape.enum !== undefined && !shape.enum.includes(value)) fail(`${JSON.stringify(value)} is not one of ${shapeName}: ${shape.enum.join(', ')}`);
      if (shape.min !== undefined && value.length < shape.min) fail(`string shorter than ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max) fail(`string longer than ${shape.max}`);
      if (shape.pattern !== undefined && !new RegExp(shape.pattern).test(value)) fail(`${JSON.stringify(value)} does not match ${shape.pattern}`);
      break;
    }
    case 'integer':
    case 'long':
    case 'double': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return [`${at}: expected a number, got ${JSON.stringify(value)}`];
      if (shape.type !== 'double' && !Number.isInteger(value)) fail(`${value} is not an integer`);
      const { min, max } = bounds(shapeName, shape);
      if (min !== undefined && value < min) fail(`${value} is below the minimum ${min} (${shapeName})`);
      if (max !== undefined && value > max) fail(`${value} is above the maximum ${max} (${shapeName})`);
      break;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail(`expected a boolean, got ${JSON.stringify(value)}`);
      break;
    case 'timestamp':
      if (typeof value !== 'string' && typeof value !== 'number') fail('expected a timestamp');
      break;
  }
  return errors;
}
