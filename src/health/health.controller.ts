import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AllowAnonymous } from '../security';
import { Drain } from './drain';
import { HealthStateLog } from './health-state-log';
import { RedisHealthIndicator } from './redis.health';

const DATABASE_PING_TIMEOUT_MS = 1_000;

/**
 * GET /health and GET /health/ready: 200 when the database and (with
 * REDIS_URL) Redis answer, 503 when either does not; /health/ready is also
 * 503 from the moment the instance starts shutting down. GET /health/live:
 * 200 as long as the process answers HTTP, whatever its dependencies do. The
 * body is Terminus' usual report in every case ({status, info, error, details}).
 * Open without a token even when reads need one: probes carry none.
 */
@AllowAnonymous()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly drain: Drain,
    private readonly stateLog: HealthStateLog,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Whether this instance can serve: the database and, with REDIS_URL, Redis answer',
    description: "The body is @nestjs/terminus' report, not the API's error shape, also with 503.",
  })
  @HealthCheck()
  check(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.report(response, this.dependencies());
  }

  /** Liveness: restart the process only when this fails; it touches no dependency, so an outage elsewhere never restarts every instance. */
  @Get('live')
  @ApiOperation({
    summary: 'Whether the process answers at all (for liveness probes); checks no dependency',
    description: 'Always 200 while the process serves HTTP: an empty @nestjs/terminus report.',
  })
  @ApiOkResponse({ description: 'The process answers', schema: { type: 'object' } })
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  live(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.report(response, []);
  }

  /** Readiness: send this instance traffic only while this passes. */
  @Get('ready')
  @ApiOperation({
    summary: 'Whether to send this instance traffic: the checks of /health, and not shutting down',
    description:
      "The body is @nestjs/terminus' report, not the API's error shape, also with 503 (a dependency down, or draining).",
  })
  @HealthCheck()
  ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.report(response, [() => this.shutdownCheck(), ...this.dependencies()]);
  }

  private dependencies(): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [() => this.database.pingCheck('database').withTimeout(DATABASE_PING_TIMEOUT_MS)];
    if (this.redis.configured) checks.push(() => this.redis.pingCheck('redis'));
    return checks;
  }

  private shutdownCheck(): HealthIndicatorResult<'shutdown'> {
    const check = this.indicators.check('shutdown');
    return this.drain.draining ? check.down({ message: 'draining: this instance is shutting down' }) : check.up();
  }

  private async report(response: Response, checks: HealthIndicatorFunction[]): Promise<HealthCheckResult> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check(checks);
    } catch (error) {
      // The API's exception filter would reduce the report to {statusCode, error, message};
      // a 503 that still says which dependency is down is what an operator needs.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(error.getStatus());
      result = error.getResponse() as HealthCheckResult;
    }
    // Draining is the shutdown's to log.
    this.stateLog.record(Object.fromEntries(Object.entries(result.details).filter(([name]) => name !== 'shutdown')));
    return result;
  }
}
