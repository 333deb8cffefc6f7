import { DataSource } from 'typeorm';
import { loadEnvironment } from './src/config';
import { buildDataSourceOptions } from './src/database';

/** The DataSource the TypeORM CLI uses: same settings, entities and migrations as the app. */
export default new DataSource(buildDataSourceOptions(loadEnvironment()));
