import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AppMetrics } from './metrics';

/** GET /metrics on the app's own port, for Prometheus; absent when METRICS_PORT moves it to a port of its own. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: AppMetrics) {}

  @Get()
  async scrape(@Res() response: Response): Promise<void> {
    const body = await this.metrics.render();
    response.setHeader('Content-Type', this.metrics.contentType);
    response.setHeader('Cache-Control', 'no-store');
    response.status(200).send(body);
  }
}
