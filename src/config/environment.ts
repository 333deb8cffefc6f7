import { plainToInstance } from 'class-transformer';
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import {
  IsBoolean,
  IsByteLength,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  Validate,
  ValidateBy,
  ValidateIf,
  ValidationArguments,
  validateSync,
  ValidationError,
  ValidatorConstraint,
  ValidatorConstraintInterface,
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

/** A shutdown bound no longer than its delay would cut every drain short. */
@ValidatorConstraint({ name: 'exceedsShutdownDelay' })
class ExceedsShutdownDelay implements ValidatorConstraintInterface {
  validate(timeout: unknown, args: ValidationArguments): boolean {
    return typeof timeout === 'number' && timeout > (args.object as EnvironmentVariables).SHUTDOWN_DELAY_MS;
  }

  defaultMessage(args: ValidationArguments): string {
    return `must be greater than SHUTDOWN_DELAY_MS (${(args.object as EnvironmentVariables).SHUTDOWN_DELAY_MS})`;
  }
}

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
   * The shared secret of HS256 bearer tokens. Set (or AUTH_JWKS_URL set):
   * authentication is on. At least 32 bytes, the length of HS256's hash: a
   * shorter key is guessable offline from any one token.
   */
  @IsOptional()
  @IsByteLength(32, undefined, {
    message: 'must be at least 32 bytes (HS256 needs a key as long as its hash); generate one with: openssl rand -base64 48',
  })
  AUTH_JWT_SECRET?: string;

  /** The identity provider's JSON Web Key Set, for RS256/ES256 tokens. Set (or AUTH_JWT_SECRET set): authentication is on. */
  @IsOptional()
  @IsUrl(
    { protocols: ['http', 'https'], require_tld: false, require_protocol: true },
    { message: 'must be an http:// or https:// URL of a JSON Web Key Set' },
  )
  AUTH_JWKS_URL?: string;

  /**
   * Least time between two fetches of the key set when a token names a key id
   * it does not hold (keys rotated): a stream of tokens with made-up key ids
   * must not make the server hammer the identity provider.
   */
  @IsInt({ message: 'must be an integer of 0 or more (milliseconds)' })
  @Min(0, { message: 'must be an integer of 0 or more (milliseconds)' })
  AUTH_JWKS_COOLDOWN_MS: number = 30_000;

  /** When set, a token's `iss` must equal it. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  AUTH_ISSUER?: string;

  /** When set, a token's `aud` must name it. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  AUTH_AUDIENCE?: string;

  /** With authentication on, reads need a token too (writes always do). */
  @IsBoolean({ message: 'must be true or false' })
  AUTH_PROTECT_READS: boolean = false;

  /**
   * Whether clients reach the service over HTTPS (TLS ended here or at a
   * proxy in front). Only then does it send Strict-Transport-Security and ask
   * browsers to upgrade insecure requests: over plain HTTP either would lock
   * browsers out of a demo reached by address.
   */
  @IsBoolean({ message: 'must be true or false' })
  BEHIND_HTTPS: boolean = false;

  /** How long a client may take to send a request's headers; Node's own default is 60 s. */
  @IsInt({ message: 'must be an integer of 100 or more (milliseconds)' })
  @Min(100, { message: 'must be an integer of 100 or more (milliseconds)' })
  HTTP_HEADERS_TIMEOUT_MS: number = 10_000;

  /**
   * How long a client may take to send a whole request, headers and body;
   * Node's own default is 300 s, which lets a client trickling a body at a
   * byte a second hold a connection for five minutes. A body is at most
   * 16 KiB, so 30 s is plenty even on a bad mobile link.
   */
  @IsInt({ message: 'must be an integer of 100 or more (milliseconds)' })
  @Min(100, { message: 'must be an integer of 100 or more (milliseconds)' })
  HTTP_REQUEST_TIMEOUT_MS: number = 30_000;

  /**
   * How long an idle keep-alive connection is kept open (Node's default).
   * Behind a load balancer, make it longer than the balancer's own idle
   * timeout, or the balancer may reuse a connection the server just closed.
   */
  @IsInt({ message: 'must be an integer of 100 or more (milliseconds)' })
  @Min(100, { message: 'must be an integer of 100 or more (milliseconds)' })
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number = 5_000;

  /**
   * Requests one client (a token's subject, else an address) may make to the
   * API in RATE_LIMIT_WINDOW_MS; 0 turns rate limiting off. The default,
   * 100,000 per 10 s, is above what one instance can serve (a few thousand
   * requests a second on two cores), so the windows, which save while typing,
   * and the benchmark, which hammers one user from one address, are never
   * limited; set a real figure for a service open to the internet.
   */
  @IsInt({ message: 'must be an integer of 0 or more (0: no limit)' })
  @Min(0, { message: 'must be an integer of 0 or more (0: no limit)' })
  RATE_LIMIT_MAX: number = 100_000;

  /** The window RATE_LIMIT_MAX counts in; a client over it waits until the window ends (Retry-After). */
  @IsInt({ message: 'must be an integer of 100 or more (milliseconds)' })
  @Min(100, { message: 'must be an integer of 100 or more (milliseconds)' })
  RATE_LIMIT_WINDOW_MS: number = 10_000;

  /**
   * On SIGTERM or SIGINT, how long the instance keeps serving (with readiness
   * already 503 and every response closing its connection) before it stops
   * accepting connections: the time a load balancer or Kubernetes needs to
   * notice and send new requests elsewhere.
   */
  @IsInt({ message: 'must be an integer of 0 or more (milliseconds)' })
  @Min(0, { message: 'must be an integer of 0 or more (milliseconds)' })
  SHUTDOWN_DELAY_MS: number = 5_000;

  /**
   * The bound on the whole shutdown, counted from the signal (the delay
   * included): past it the process logs what it was waiting for and exits 1.
   */
  @IsInt({ message: 'must be an integer of 1000 or more (milliseconds)' })
  @Min(1000, { message: 'must be an integer of 1000 or more (milliseconds)' })
  @Validate(ExceedsShutdownDelay)
  SHUTDOWN_TIMEOUT_MS: number = 25_000;

  /**
   * The largest message a socket.io client may send (a WebSocket frame, or a
   * long-polling POST), in bytes. Clients send small objects (`subscribe`,
   * the handshake): more is refused by closing that connection.
   */
  @IsInt({ message: 'must be an integer of 1024 or more (bytes)' })
  @Min(1024, { message: 'must be an integer of 1024 or more (bytes)' })
  SOCKET_MAX_PAYLOAD_BYTES: number = 16_384;

  /** Messages one socket may send in a second; the socket that sends more is told why and disconnected. */
  @IsInt({ message: 'must be an integer of 1 or more' })
  @Min(1, { message: 'must be an integer of 1 or more' })
  SOCKET_EVENTS_PER_SECOND: number = 100;

  /**
   * socket.io connections open at once from one client address (see
   * TRUST_PROXY), per instance; more are refused at the handshake.
   */
  @IsInt({ message: 'must be an integer of 1 or more' })
  @Min(1, { message: 'must be an integer of 1 or more' })
  SOCKET_CONNECTIONS_PER_ADDRESS: number = 20_000;

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
export const OPTIONAL_SETTINGS: readonly string[] = [
  'DATABASE_URL',
  'REDIS_URL',
  'FAULT_INJECTION',
  'METRICS_PORT',
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
];
const KNOWN = new Set<string>(Object.keys(new EnvironmentVariables()).concat(OPTIONAL_SETTINGS));
/** Prefixes we own: a variable with one of them that we do not know is a typo, not someone else's setting. */
const OWNED_PREFIXES = [
  'DB_',
  'REDIS_',
  'HISTORY_',
  'REALTIME_',
  'FAULT_',
  'CORS_',
  'TRUST_',
  'AUTH_',
  'BEHIND_',
  'HTTP_',
  'RATE_LIMIT_',
  'SHUTDOWN_',
  'SOCKET_',
  'LOG_',
  'METRICS_',
];
const INTEGER_SETTINGS = new Set([
  'PORT',
  'REDIS_PUBLISH_QUEUE_MS',
  'HISTORY_RETENTION_DAYS',
  'HISTORY_KEEP_PER_USER',
  'HISTORY_TRIM_INTERVAL_MS',
  'REALTIME_HEAD_INTERVAL_MS',
  'AUTH_JWKS_COOLDOWN_MS',
  'HTTP_HEADERS_TIMEOUT_MS',
  'HTTP_REQUEST_TIMEOUT_MS',
  'HTTP_KEEP_ALIVE_TIMEOUT_MS',
  'RATE_LIMIT_MAX',
  'RATE_LIMIT_WINDOW_MS',
  'SHUTDOWN_DELAY_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'SOCKET_MAX_PAYLOAD_BYTES',
  'SOCKET_EVENTS_PER_SECOND',
  'SOCKET_CONNECTIONS_PER_ADDRESS',
  'METRICS_PORT',
]);
const BOOLEAN_SETTINGS = new Set(['AUTH_PROTECT_READS', 'BEHIND_HTTPS']);

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
  const present: Record<string, string | number | boolean> = {};
  for (const key of KNOWN) {
    const value = raw[key];
    if (value === undefined || value === '') continue;
    present[key] = INTEGER_SETTINGS.has(key)
      ? parseStrictInteger(value)
      : BOOLEAN_SETTINGS.has(key)
        ? parseStrictBoolean(value)
        : value;
  }
  const env = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const errors = validateSync(env, { forbidUnknownValues: true });
  if (errors.length > 0) throw toConfigurationError(errors[0], raw);
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    // Node refuses it too, but only once the server is made, with a less helpful message.
    throw new ConfigurationError(
      'HTTP_HEADERS_TIMEOUT_MS',
      `must not exceed HTTP_REQUEST_TIMEOUT_MS (${env.HTTP_REQUEST_TIMEOUT_MS})`,
    );
  }
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

/** Only the two words: anything else stays a string, which the validator refuses naming the setting. */
function parseStrictBoolean(value: string): boolean | string {
  const word = value.trim();
  return word === 'true' ? true : word === 'false' ? false : value;
}

function toConfigurationError(error: ValidationError, raw: RawEnvironment): ConfigurationError {
  const detail = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  // URLs may carry a password, and a secret is one: never echo them into logs.
  const given = /_(URL|SECRET)$/.test(error.property) ? undefined : raw[error.property];
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
