import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AllowAnonymous } from '../security';
import { RedisHealthIndicator } from './redis.health';

const DATABASE_PING_TIMEOUT_MS = 1_000;

/**
 * GET /health: 200 when the database and (with REDIS_URL) Redis answer, 503
 * when either does not, for load balancers and orchestrators. The body is
 * Terminus' usual report in both cases ({status, info, error, details}).
 * Open without a token even when reads need one: probes carry none.
 */
@AllowAnonymous()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Whether this instance can serve: the database and, with REDIS_URL, Redis answer',
    description: "The body is @nestjs/terminus' report, not the API's error shape, also with 503.",
  })
  @HealthCheck()
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [() => this.database.pingCheck('database').withTimeout(DATABASE_PING_TIMEOUT_MS)];
    if (this.redis.configured) checks.push(() => this.redis.pingCheck('redis'));
    try {
      return await this.health.check(checks);
    } catch (error) {
      // The API's exception filter would reduce the report to {statusCode, error, message};
      // a 503 that still says which dependency is down is what an operator needs.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(error.getStatus());
      return error.getResponse() as HealthCheckResult;
    }
  }
}
