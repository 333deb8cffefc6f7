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
  Max,
  Min,
  ValidateIf,
  validateSync,
  ValidationError,
} from 'class-validator';

export const DB_TYPES = ['sqlite', 'postgres'] as const;
export type DbType = (typeof DB_TYPES)[number];

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
}

const KNOWN = new Set<string>(Object.keys(new EnvironmentVariables()).concat(['DATABASE_URL', 'REDIS_URL']));
/** Prefixes we own: a variable with one of them that we do not know is a typo, not someone else's setting. */
const OWNED_PREFIXES = ['DB_', 'REDIS_'];
const INTEGER_SETTINGS = new Set(['PORT']);

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
  const fromFile = existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {};
  return validateEnvironment({ ...fromFile, ...process.env });
}
