export { AppConfigModule } from './config.module';
export {
  ConfigurationError,
  DB_TYPES,
  EnvironmentVariables,
  FAULTS,
  LOG_FORMATS,
  LOG_LEVELS,
  loadEnvironment,
  loadLogFormat,
  OPTIONAL_SETTINGS,
  validateEnvironment,
} from './environment';
export type { DbType, Fault, LogFormatSetting, LogLevelSetting } from './environment';
