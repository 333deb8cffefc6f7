import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './src/config/database.options';
import { validateEnvironment } from './src/config/environment';

/** The DataSource the TypeORM CLI uses: same settings, entities and migrations as the app. */
const fromFile = existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {};
export default new DataSource(buildDataSourceOptions(validateEnvironment({ ...fromFile, ...process.env })));
