import { DynamicModule, Global, Module } from '@nestjs/common';
import type { EnvironmentVariables } from '../config';
import { MetricsController } from './metrics.controller';
import { MetricsServer } from './metrics-server';
import { AppMetrics } from './metrics';

/**
 * Metrics for every module (global: features, realtime, the database and the
 * event bus record into the one AppMetrics of the app), and /metrics on the
 * app's port or, with METRICS_PORT, on a port of its own.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(env: EnvironmentVariables): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: env.METRICS_PORT === undefined ? [MetricsController] : [],
      providers: [AppMetrics, MetricsServer],
      exports: [AppMetrics, MetricsServer],
    };
  }
}
