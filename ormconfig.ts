import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './src/config/database.options';
import { loadEnvironment } from './src/config/environment';

/** The DataSource the TypeORM CLI uses: same settings, entities and migrations as the app. */
export default new DataSource(buildDataSourceOptions(loadEnvironment()));
