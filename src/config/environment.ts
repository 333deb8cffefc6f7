import { plainToInstance } from 'class-transformer';
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  validateSync,
  ValidationArguments,
  ValidationError,
} from 'class-validator';

export const DB_TYPES = ['sqlite', 'postgres'] as const;
export type DbType = (typeof DB_TYPES)[number];

export const SQLITE_SYNCHRONOUS = ['full', 'normal'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS)[number];

export const FAULTS = ['exit-after-commit'] as const;
export type Fault = (typeof FAULTS)[number];

export const LOG_FORMATS = ['auto', 'json', 'text'] as const;
export type LogFormatSetting = (typeof LOG_FORMATS)[number];

/** Nest's log levels, least severe first, and `info`, another name for `log`. */
export const LOG_LEVELS = ['verbose', 'debug', 'log', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevelSetting = (typeof LOG_LEVELS)[number];
/**
 * Every setting the server reads, with its default. This class is the only
 * place that knows the environment variable names; the rest of the code gets
 * a validated instance through ConfigService.
 */
export class EnvironmentVariables {
  @IsInt({ message: 'must be an integer from 0 to 65535' })
  @Min(0, { message: 'must be an integer from 0 to 65535' })
  @Max(65535, { message: 'must be an integer from 0 to 65535' })
  PORT: number = 3000;

  @IsString()
  @IsNotEmpty({ message: 'must name an interface, for example 0.0.0.0 or 127.0.0.1' })
  HOST: string = '0.0.0.0';

  @IsIn(DB_TYPES, { message: `must be one of: ${DB_TYPES.join(', ')}` })
  DB_TYPE: DbType = 'sqlite';

  @IsString()
  @IsNotEmpty({ message: 'must be a file path or :memory:' })
  DB_PATH: string = 'data/app.sqlite';

  /**
   * SQLite's synchronous pragma. `full` (the default) syncs the write-ahead log
   * to disk at every commit: a committed change survives a power cut. `normal`
   * syncs it at checkpoints only: faster writes, still safe against a crash of
   * the process, but the last commits before a power cut or OS crash can be
   * lost (the database stays consistent).
   */
  @IsIn(SQLITE_SYNCHRONOUS, { message: `must be one of: ${SQLITE_SYNCHRONOUS.join(', ')}` })
  DB_SYNCHRONOUS: SqliteSynchronous = 'full';

  @ValidateIf((env: EnvironmentVariables) => env.DB_TYPE === 'postgres' || env.DATABASE_URL !== undefined)
  @IsUrl(
    { protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true },
    { message: 'must be a postgres:// URL (required when DB_TYPE=postgres)' },
  )
  DATABASE_URL?: string;

  @IsOptional()
  @IsUrl(
    { protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true },
    { message: 'must be a redis:// or rediss:// URL' },
  )
  REDIS_URL?: string;

  /**
   * How long events for other instances wait in the publisher's queue while
   * Redis is away before they are dropped (windows elsewhere then catch up
   * from the change history, see REALTIME_HEAD_INTERVAL_MS).
   */
  @IsInt({ message: 'must be an integer of 1000 or more (milliseconds)' })
  @Min(1000, { message: 'must be an integer of 1000 or more (milliseconds)' })
  REDIS_PUBLISH_QUEUE_MS: number = 60_000;

  /** Changes older than this many days may be trimmed from the history... */
  @IsInt({ message: 'must be an integer of 1 or more (days)' })
  @Min(1, { message: 'must be an integer of 1 or more (days)' })
  HISTORY_RETENTION_DAYS: number = 30;

  /** ...except each user's newest this many. */
  @IsInt({ message: 'must be an integer of 1 or more' })
  @Min(1, { message: 'must be an integer of 1 or more' })
  HISTORY_KEEP_PER_USER: number = 100;

  /** How often the history is trimmed, in the background, in small batches. */
  @IsInt({ message: 'must be an integer of 100 or more (milliseconds)' })
  @Min(100, { message: 'must be an integer of 100 or more (milliseconds)' })
  HISTORY_TRIM_INTERVAL_MS: number = 60_000;

  /**
   * How often each instance tells its clients the latest change it knows of,
   * so a client that missed an event (a publish lost between instances)
   * notices and replays it.
   */
  @IsInt({ message: 'must be an integer of 50 or more (milliseconds)' })
  @Min(50, { message: 'must be an integer of 50 or more (milliseconds)' })
  REALTIME_HEAD_INTERVAL_MS: number = 2_000;

  /**
   * Origins (scheme://host[:port], comma-separated) whose pages may call the
   * API and open the WebSocket from another origin. Empty (the default): the
   * windows' own origin only.
   */
  @Matches(/^(https?:\/\/[^\s,/]+)(\s*,\s*https?:\/\/[^\s,/]+)*$|^$/, {
    message: 'must be a comma-separated list of origins such as https://app.example.com (scheme, host, optional port)',
  })
  CORS_ORIGINS: string = '';

  /**
   * Which proxies in front of the server are believed when they name the
   * client in X-Forwarded-For (the address rate limits and connection caps key
   * on). Empty (the default): none, the client is the TCP peer. Otherwise a
   * hop count, or a comma-separated list of addresses, CIDR ranges and the
   * names loopback, linklocal, uniquelocal.
   */
  @Matches(/^$|^\d+$|^[\w.:/\s,-]+$/, {
    message: 'must be empty, a hop count, or a comma-separated list of addresses, CIDR ranges, loopback, linklocal, uniquelocal',
  })
  TRUST_PROXY: string = '';

  /**
   * How log lines are written: `json` (one JSON object per line), `text`
   * (Nest's human-readable lines), or `auto`: text when standard output is a
   * terminal, JSON otherwise (a container, systemd, a pipe, a file).
   */
  @IsIn(LOG_FORMATS, { message: `must be one of: ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT: LogFormatSetting = 'auto';

  /** The least severe level written: it and every more severe one (`warn` drops the access log). */
  @IsIn(LOG_LEVELS, { message: `must be one of: ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevelSetting = 'log';

  /**
   * Serve /metrics on this port (on HOST) and not on PORT, so it can stay
   * inside the cluster network. Unset: /metrics is on PORT.
   */
  @IsOptional()
  @IsInt({ message: 'must be an integer from 0 to 65535, not PORT' })
  @Min(0, { message: 'must be an integer from 0 to 65535, not PORT' })
  @Max(65535, { message: 'must be an integer from 0 to 65535, not PORT' })
  @ValidateBy(
    {
      name: 'differsFromPort',
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          value === 0 || value !== (args?.object as EnvironmentVariables).PORT,
      },
    },
    { message: 'must be an integer from 0 to 65535, not PORT' },
  )
  METRICS_PORT?: number;

  /**
   * For tests only: `exit-after-commit` kills the process between a committed
   * change and the publishing of its event, the crash the change history
   * heals. Never set it in production.
   */
  @IsOptional()
  @IsIn(FAULTS, { message: `must be one of: ${FAULTS.join(', ')} (tests only)` })
  FAULT_INJECTION?: Fault;
}

/** The settings without a default, which an instance therefore does not list among its keys. */
export const OPTIONAL_SETTINGS: readonly string[] = ['DATABASE_URL', 'REDIS_URL', 'METRICS_PORT', 'FAULT_INJECTION'];
const KNOWN = new Set<string>(Object.keys(new EnvironmentVariables()).concat(OPTIONAL_SETTINGS));
/** Prefixes we own: a variable with one of them that we do not know is a typo, not someone else's setting. */
const OWNED_PREFIXES = ['DB_', 'REDIS_', 'HISTORY_', 'REALTIME_', 'FAULT_', 'CORS_', 'TRUST_', 'LOG_', 'METRICS_'];
const INTEGER_SETTINGS = new Set([
  'PORT',
  'REDIS_PUBLISH_QUEUE_MS',
  'HISTORY_RETENTION_DAYS',
  'HISTORY_KEEP_PER_USER',
  'HISTORY_TRIM_INTERVAL_MS',
  'REALTIME_HEAD_INTERVAL_MS',
  'METRICS_PORT',
]);

export class ConfigurationError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigurationError';
  }
}

type RawEnvironment = Record<string, string | undefined>;

/**
 * Reads and validates the settings. Throws a ConfigurationError whose message
 * is one line naming the first bad variable, so a start with a typo fails
 * loudly instead of running with a default the operator did not mean.
 */
export function validateEnvironment(raw: RawEnvironment): EnvironmentVariables {
  rejectUnknownSettings(raw);
  const present: Record<string, string | number> = {};
  for (const key of KNOWN) {
    const value = raw[key];
    if (value === undefined || value === '') continue;
    present[key] = INTEGER_SETTINGS.has(key) ? parseStrictInteger(value) : value;
  }
  const env = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const errors = validateSync(env, { forbidUnknownValues: true });
  if (errors.length > 0) throw toConfigurationError(errors[0], raw);
  return env;
}

function rejectUnknownSettings(raw: RawEnvironment): void {
  for (const key of Object.keys(raw).sort()) {
    if (KNOWN.has(key) || !OWNED_PREFIXES.some((prefix) => key.startsWith(prefix))) continue;
    throw new ConfigurationError(key, `is not a known setting (known: ${[...KNOWN].join(', ')})`);
  }
}

function parseStrictInteger(value: string): number {
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
}

function toConfigurationError(error: ValidationError, raw: RawEnvironment): ConfigurationError {
  const detail = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  // URLs may carry a password: never echo them into logs.
  const given = error.property.endsWith('_URL') ? undefined : raw[error.property];
  const message = detail.replace(new RegExp(`^${error.property} `), '');
  return new ConfigurationError(error.property, given === undefined ? message : `${message} (got "${given}")`);
}

/**
 * The settings of this process: the environment, with a .env file in the
 * working folder filling in what it leaves unset. The one entry point for
 * the server, the seed and the TypeORM CLI, so all three see one database.
 */
export function loadEnvironment(): EnvironmentVariables {
  return validateEnvironment(rawEnvironment());
}

/**
 * LOG_FORMAT alone, when the settings as a whole are invalid: the line that
 * says which one is wrong is still written in the format asked for.
 */
export function loadLogFormat(): LogFormatSetting {
  const given = rawEnvironment().LOG_FORMAT;
  return LOG_FORMATS.find((format) => format === given) ?? 'auto';
}

function rawEnvironment(): RawEnvironment {
  const fromFile = existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {};
  return { ...fromFile, ...process.env };
}
