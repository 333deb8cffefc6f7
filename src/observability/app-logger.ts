import { ConsoleLogger, Logger, LogLevel } from '@nestjs/common';
import type { LogFormatSetting, LogLevelSetting } from '../config';

export type LogFormat = Exclude<LogFormatSetting, 'auto'>;

/** Nest's levels, least severe first (LOG_LEVEL also takes `info`, another name for `log`). */
const SEVERITY: readonly LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];

/**
 * `auto` is text for a person at a terminal (`npm start` in a shell) and JSON
 * for everything else: a container, systemd, a pipe, a file, the tests.
 */
export function resolveLogFormat(setting: LogFormatSetting, stdoutIsTerminal: boolean): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTerminal ? 'text' : 'json';
}

/** The levels printed for a threshold: it and every more severe one. */
export function logLevelsFrom(threshold: LogLevelSetting): LogLevel[] {
  const level: LogLevel = threshold === 'info' ? 'log' : threshold;
  return SEVERITY.slice(SEVERITY.indexOf(level));
}

export interface AppLoggerOptions {
  format: LogFormat;
  level: LogLevelSetting;
  /** Text in colour: only for a terminal, never into a file or a pipe. */
  colors?: boolean;
}

/**
 * The one logger of the app: every line, from start-up to shutdown, goes
 * through it. Nest's ConsoleLogger, in JSON (one object per line, structured
 * fields at the top level) or text. A line about a request carries its
 * `requestId` field, so an error line can be matched with its request's
 * access line and change record.
 */
export class AppLogger extends ConsoleLogger {
  readonly format: LogFormat;

  constructor({ format, level, colors = false }: AppLoggerOptions) {
    super({ json: format === 'json', colors: format === 'text' && colors, logLevels: logLevelsFrom(level), flattenParams: true });
    this.format = format;
  }

  /**
   * The logger Nest's Logger writes through right now, when it is an
   * AppLogger (main.ts installs one; an in-process test may not).
   */
  static active(): AppLogger | undefined {
    const installed: unknown = (Logger as unknown as { staticInstanceRef?: unknown }).staticInstanceRef;
    return installed instanceof AppLogger ? installed : undefined;
  }

  /**
   * One line with fields, for lines written on every request: in JSON, the
   * same object ConsoleLogger writes (level, pid, timestamp, message,
   * context, then the fields) serialised in one step, at about a third of
   * the cost of ConsoleLogger's general path; in text, the message and
   * `text` fields the usual way. The caller checks the level first.
   */
  writeFields(
    level: 'log' | 'error',
    context: string,
    message: string,
    fields: Record<string, unknown>,
    text: Record<string, unknown>,
  ): void {
    if (this.format === 'text') {
      if (level === 'error') this.error(message, text, context);
      else this.log(message, text, context);
      return;
    }
    const line = JSON.stringify({ level, pid: process.pid, timestamp: Date.now(), message, context, ...fields });
    (level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
  }

  /** Text mode: `key=value` after the message, which reads better in a terminal than an inspected object. */
  protected override stringifyParams(params: Record<string, unknown>): string {
    return Object.entries(params)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
  }
}
