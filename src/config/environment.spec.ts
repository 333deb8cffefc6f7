import { ConfigurationError, validateEnvironment } from './environment';

describe('validateEnvironment', () => {
  it('fills every default', () => {
    expect({ ...validateEnvironment({}) }).toEqual({
      PORT: 3000,
      HOST: '0.0.0.0',
      DB_TYPE: 'sqlite',
      DB_PATH: 'data/app.sqlite',
      DB_SYNCHRONOUS: 'full',
      REDIS_PUBLISH_QUEUE_MS: 60_000,
      HISTORY_RETENTION_DAYS: 30,
      HISTORY_KEEP_PER_USER: 100,
      HISTORY_TRIM_INTERVAL_MS: 60_000,
      REALTIME_HEAD_INTERVAL_MS: 2_000,
      CORS_ORIGINS: '',
      TRUST_PROXY: '',
      AUTH_JWKS_COOLDOWN_MS: 30_000,
      AUTH_PROTECT_READS: false,
      BEHIND_HTTPS: false,
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 5_000,
      RATE_LIMIT_MAX: 100_000,
      RATE_LIMIT_WINDOW_MS: 10_000,
      SHUTDOWN_DELAY_MS: 5_000,
      SHUTDOWN_TIMEOUT_MS: 25_000,
      SOCKET_MAX_PAYLOAD_BYTES: 16_384,
      SOCKET_EVENTS_PER_SECOND: 100,
      SOCKET_CONNECTIONS_PER_ADDRESS: 20_000,
      LOG_FORMAT: 'auto',
      LOG_LEVEL: 'log',
    });
  });

  it('takes the log and metrics settings, and refuses a metrics port that is the app port', () => {
    const env = validateEnvironment({ LOG_FORMAT: 'json', LOG_LEVEL: 'info', METRICS_PORT: '9100' });
    expect([env.LOG_FORMAT, env.LOG_LEVEL, env.METRICS_PORT]).toEqual(['json', 'info', 9100]);
    expect(validateEnvironment({ PORT: '0', METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
    expect(() => validateEnvironment({ LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT must be one of: auto, json, text/);
    expect(() => validateEnvironment({ LOG_LEVEL: 'trace' })).toThrow(/LOG_LEVEL must be one of/);
    expect(() => validateEnvironment({ METRICS_PORT: '3000' })).toThrow(
      /METRICS_PORT must be an integer from 0 to 65535, not PORT/,
    );
    expect(() => validateEnvironment({ METRICS_PORTS: '9100' })).toThrow(/METRICS_PORTS is not a known setting/);
  });

  it('takes socket limits as whole numbers, and refuses a payload limit below 1 KiB', () => {
    expect(validateEnvironment({ SOCKET_EVENTS_PER_SECOND: '5' }).SOCKET_EVENTS_PER_SECOND).toBe(5);
    expect(() => validateEnvironment({ SOCKET_MAX_PAYLOAD_BYTES: '100' })).toThrow(
      /SOCKET_MAX_PAYLOAD_BYTES must be an integer of 1024/,
    );
    expect(() => validateEnvironment({ SOCKET_CONNECTIONS_PER_ADDRESS: '0' })).toThrow(ConfigurationError);
    expect(() => validateEnvironment({ SOCKET_EVENT_PER_SECOND: '5' })).toThrow(/SOCKET_EVENT_PER_SECOND is not a known setting/);
  });

  it('wants a shutdown bound longer than the delay before it', () => {
    expect(validateEnvironment({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '1000' }).SHUTDOWN_TIMEOUT_MS).toBe(1_000);
    expect(() => validateEnvironment({ SHUTDOWN_DELAY_MS: '30000' })).toThrow(
      'Invalid configuration: SHUTDOWN_TIMEOUT_MS must be greater than SHUTDOWN_DELAY_MS (30000)',
    );
    expect(() => validateEnvironment({ SHUTDOWN_DELAY_MS: '-1' })).toThrow(/SHUTDOWN_DELAY_MS must be an integer of 0 or more/);
  });

  it('reads the authentication settings', () => {
    const env = validateEnvironment({
      AUTH_JWT_SECRET: 'x'.repeat(32),
      AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks.json',
      AUTH_ISSUER: 'https://id.example',
      AUTH_AUDIENCE: 'realtime-users',
      AUTH_PROTECT_READS: 'true',
      AUTH_JWKS_COOLDOWN_MS: '0',
    });
    expect(env).toMatchObject({ AUTH_PROTECT_READS: true, AUTH_JWKS_COOLDOWN_MS: 0, AUTH_ISSUER: 'https://id.example' });
    expect(validateEnvironment({ AUTH_PROTECT_READS: 'false' }).AUTH_PROTECT_READS).toBe(false);
  });

  it('refuses a secret shorter than 32 bytes in one line that names it, without echoing it', () => {
    // 31 bytes; and 16 characters that are 32 bytes in UTF-8 pass, the length that matters to HMAC.
    expect(() => validateEnvironment({ AUTH_JWT_SECRET: 'short-secret-of-31-bytes-exactly'.slice(0, 31) })).toThrow(
      /^Invalid configuration: AUTH_JWT_SECRET must be at least 32 bytes[^\n]*openssl rand -base64 48$/,
    );
    expect(() => validateEnvironment({ AUTH_JWT_SECRET: 'short-secret-of-31-bytes-exactly'.slice(0, 31) })).toThrow(
      /^(?!.*short-secret)/,
    );
    expect(validateEnvironment({ AUTH_JWT_SECRET: 'é'.repeat(16) }).AUTH_JWT_SECRET).toBe('é'.repeat(16));
  });

  it('takes origins and trusted proxies as lists, and refuses what is not one', () => {
    const env = validateEnvironment({
      CORS_ORIGINS: 'https://a.example, http://localhost:5173',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
    });
    expect(env.CORS_ORIGINS).toBe('https://a.example, http://localhost:5173');
    expect(() => validateEnvironment({ CORS_ORIGINS: 'a.example' })).toThrow(
      /CORS_ORIGINS must be a comma-separated list of origins/,
    );
    expect(() => validateEnvironment({ CORS_ORIGINS: 'https://a.example/path' })).toThrow(ConfigurationError);
    expect(() => validateEnvironment({ TRUST_PROXY: 'yes please!' })).toThrow(/TRUST_PROXY must be empty, a hop count/);
  });

  it('reads every setting', () => {
    const env = validateEnvironment({
      PORT: '8080',
      HOST: '127.0.0.1',
      DB_TYPE: 'postgres',
      DB_PATH: ':memory:',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/app',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(env).toMatchObject({ PORT: 8080, DB_TYPE: 'postgres', REDIS_URL: 'redis://127.0.0.1:6379' });
  });

  it('treats an empty value as unset', () => {
    expect(validateEnvironment({ PORT: '', REDIS_URL: '' })).toMatchObject({ PORT: 3000, REDIS_URL: undefined });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '3000x' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ DB_TYPE: 'mysql' }, 'DB_TYPE'],
    [{ DB_SYNCHRONOUS: 'off' }, 'DB_SYNCHRONOUS'],
    [{ DB_TYPE: 'postgres' }, 'DATABASE_URL'],
    [{ DB_TYPE: 'postgres', DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ DB_TPYE: 'sqlite' }, 'DB_TPYE'],
    [{ REDIS_HOST: 'x' }, 'REDIS_HOST'],
    [{ HISTORY_KEEP_PER_USER: '0' }, 'HISTORY_KEEP_PER_USER'],
    [{ HISTORY_RETENTION_DAYS: '1.5' }, 'HISTORY_RETENTION_DAYS'],
    [{ HISTORY_TRIM_INTERVAL_MS: '10' }, 'HISTORY_TRIM_INTERVAL_MS'],
    [{ REALTIME_HEAD_INTERVAL_MS: 'soon' }, 'REALTIME_HEAD_INTERVAL_MS'],
    [{ REDIS_PUBLISH_QUEUE_MS: '5' }, 'REDIS_PUBLISH_QUEUE_MS'],
    [{ HISTORY_DAYS: '3' }, 'HISTORY_DAYS'],
    [{ FAULT_INJECTION: 'crash' }, 'FAULT_INJECTION'],
    [{ AUTH_JWT_SECRET: 'too short' }, 'AUTH_JWT_SECRET'],
    [{ AUTH_JWKS_URL: 'ftp://id.example/keys' }, 'AUTH_JWKS_URL'],
    [{ AUTH_PROTECT_READS: 'yes' }, 'AUTH_PROTECT_READS'],
    [{ AUTH_JWKS_COOLDOWN_MS: '-1' }, 'AUTH_JWKS_COOLDOWN_MS'],
    [{ AUTH_SECRET: 'x'.repeat(40) }, 'AUTH_SECRET'],
    [{ BEHIND_HTTPS: 'yes' }, 'BEHIND_HTTPS'],
    [{ HTTP_REQUEST_TIMEOUT_MS: '50' }, 'HTTP_REQUEST_TIMEOUT_MS'],
    [{ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '15000' }, 'HTTP_HEADERS_TIMEOUT_MS'],
    [{ RATE_LIMIT_MAX: '-1' }, 'RATE_LIMIT_MAX'],
    [{ RATE_LIMIT_WINDOW_MS: '0' }, 'RATE_LIMIT_WINDOW_MS'],
    [{ RATE_LIMIT_COUNT: '10' }, 'RATE_LIMIT_COUNT'],
  ])('refuses %j with one line naming %s', (raw, variable) => {
    let error: unknown;
    try {
      validateEnvironment(raw);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).variable).toBe(variable);
    expect((error as Error).message).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
    expect((error as Error).message).not.toContain('\n');
  });

  it('never echoes a URL, which may hold a password', () => {
    expect(() => validateEnvironment({ REDIS_URL: 'http://user:secret@host' })).toThrow(/^(?!.*secret)/);
  });

  it('ignores variables that are not ours', () => {
    expect(() => validateEnvironment({ PATH: '/bin', NODE_ENV: 'x', DBX: 'y' })).not.toThrow();
  });
});
