export { Drain } from './drain';
export { installGracefulShutdown, SHUTDOWN_SIGNALS } from './graceful-shutdown';
export { HealthModule } from './health.module';
