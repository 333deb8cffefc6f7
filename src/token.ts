import { parseArgs } from 'node:util';
import { ConfigurationError, loadEnvironment } from './config';
import { authSettingsOf, mintToken } from './security';

const USAGE = 'usage: npm run token -- --sub <subject> [--ttl <seconds, or a span such as 30m, 8h, 2d>] (default --ttl 1h)';

/**
 * `npm run token -- --sub alice`: an HS256 token signed with AUTH_JWT_SECRET
 * (the environment, or .env), with AUTH_ISSUER and AUTH_AUDIENCE when set,
 * for the demo and for scripts. Prints the token alone, so
 * `TOKEN=$(npm run -s token -- --sub alice)` works.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sub: { type: 'string' }, ttl: { type: 'string', default: '1h' } } });
  if (!values.sub) throw new UsageError(`--sub is required. ${USAGE}`);
  const ttl = /^\d+$/.test(values.ttl) ? Number(values.ttl) : values.ttl;
  const settings = authSettingsOf(loadEnvironment());
  if (!settings.secret) throw new UsageError('AUTH_JWT_SECRET is not set (environment or .env): there is no secret to sign with');
  let token: string;
  try {
    token = await mintToken(settings, { subject: values.sub, ttl });
  } catch (error) {
    // jose's word for a span it cannot read.
    if (error instanceof TypeError) throw new UsageError(`--ttl "${values.ttl}" is not a duration. ${USAGE}`);
    throw error;
  }
  process.stdout.write(`${token}\n`);
}

class UsageError extends Error {}

main().catch((error: Error) => {
  // parseArgs refuses an unknown option with a TypeError whose message says which.
  const known = error instanceof UsageError || error instanceof ConfigurationError || error instanceof TypeError;
  process.stderr.write(`${known ? error.message : `Could not mint a token: ${error.message}`}\n`);
  process.exit(1);
});
