export { AppConfigModule } from './config.module';
export { ConfigurationError, DB_TYPES, EnvironmentVariables, FAULTS, loadEnvironment, validateEnvironment } from './environment';
export type { DbType, Fault } from './environment';
