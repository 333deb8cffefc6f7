export { installRequestObservation, nameRoute, UNMATCHED_ROUTE } from './access-log';
export type { RequestObservationOptions } from './access-log';
export { AppLogger, logLevelsFrom, resolveLogFormat } from './app-logger';
export type { AppLoggerOptions, LogFormat } from './app-logger';
export { AppMetrics, queryKind } from './metrics';
export { MetricsServer } from './metrics-server';
export { ObservabilityModule } from './observability.module';
export { REQUEST_ID_HEADER, requestIdFrom, requestIdOf, SANE_REQUEST_ID, setRequestId } from './request-context';
