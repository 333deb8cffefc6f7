export { AppConfigModule } from './config.module';
export { ConfigurationError, DB_TYPES, EnvironmentVariables, loadEnvironment, validateEnvironment } from './environment';
export type { DbType } from './environment';
