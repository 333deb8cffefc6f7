import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AllowAnonymous } from '../security';
import { AppMetrics } from './metrics';

/**
 * GET /metrics on the app's own port, for Prometheus; absent when METRICS_PORT
 * moves it to a port of its own. Scrapers carry no bearer token, so it is open
 * even when reads need one (keep it off the public port with METRICS_PORT). Not
 * part of the API's OpenAPI description: it speaks Prometheus' text format.
 */
@AllowAnonymous()
@ApiExcludeController()
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
