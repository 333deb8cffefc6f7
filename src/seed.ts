import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadEnvironment } from './config';
import { SeedRunner } from './database';

/**
 * `npm run seed`: every feature's sample data, through the features' own
 * services (so the same rules apply as over HTTP); with --if-empty, only
 * where a table is still empty.
 */
async function seed(): Promise<void> {
  const env = loadEnvironment();
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(env), { logger: ['error', 'warn'] });
  try {
    const lines = await app.get(SeedRunner).run({ ifEmpty: process.argv.includes('--if-empty') });
    for (const line of lines) process.stdout.write(`Seed: ${line}\n`);
  } finally {
    await app.close();
  }
}

seed().catch((error: Error) => {
  process.stderr.write(`Seeding failed: ${error.message}\n`);
  process.exit(1);
});
