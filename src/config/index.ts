export { AppConfigModule } from './config.module';
export {
  ConfigurationError,
  DB_TYPES,
  EnvironmentVariables,
  FAULTS,
  loadEnvironment,
  OPTIONAL_SETTINGS,
  validateEnvironment,
} from './environment';
export type { DbType, Fault } from './environment';
