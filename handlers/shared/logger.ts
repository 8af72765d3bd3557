import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one configured JSON logger. Messages are static strings; data goes in fields.
 * Handlers call `logger.appendKeys({ jobId })` as soon as they know the job, so every
 * later line carries it. Never log whole events (they carry keys and caller details).
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'video-workflow',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
});

/** The narrow logger shape pure cores accept, so tests can pass a silent one. */
export interface LogSink {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export const silentLog: LogSink = { info: () => {}, warn: () => {}, error: () => {} };
