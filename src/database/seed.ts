import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { loadEnvironment } from '../config/environment';
import { UsersService } from '../users/users.service';
import { SAMPLE_USERS } from './sample-users';

/**
 * `npm run seed` adds the sample users through UsersService (so the same
 * rules apply as over HTTP); with --if-empty it adds them only to an empty table.
 */
async function seed(): Promise<void> {
  const onlyIfEmpty = process.argv.includes('--if-empty');
  const env = loadEnvironment();
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(env), { logger: ['error', 'warn'] });
  try {
    const users = app.get(UsersService);
    const { total } = await users.list({ limit: 1, offset: 0 });
    if (onlyIfEmpty && total > 0) {
      Logger.log(`${total} users already there; nothing to seed`, 'Seed');
      return;
    }
    for (const [firstName, lastName] of SAMPLE_USERS) await users.create({ firstName, lastName });
    Logger.log(`created ${SAMPLE_USERS.length} sample users`, 'Seed');
  } finally {
    await app.close();
  }
}

seed().catch((error: Error) => {
  process.stderr.write(`Seeding failed: ${error.message}\n`);
  process.exit(1);
});
