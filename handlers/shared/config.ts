import { ConfigurationError } from './errors';

/** Reads a required environment variable; a missing one is a deployment error, named. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`Environment variable ${name} is not set`, { context: { variable: name } });
  }
  return value;
}

/** Reads an optional positive integer environment variable. */
export function intEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(`Environment variable ${name} must be a non-negative integer, got "${raw}"`, {
      context: { variable: name },
    });
  }
  return value;
}

/** Comma-separated list, trimmed and lower-cased, empty entries dropped. */
export function listEnv(name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
}
