import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AfterQueryEvent, DataSource, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { AppMetrics, queryKind } from '../observability';

/** Marks a query runner whose queries SqlStatements times itself, more finely. */
const TIMED_ELSEWHERE = 'timedBySqlStatements';

export function markTimedElsewhere(runner: QueryRunner): void {
  runner.data = { ...runner.data, [TIMED_ELSEWHERE]: true };
}

/**
 * db_query_duration_seconds for the queries TypeORM runs (repositories,
 * query builders, the health check's ping): TypeORM measures each one (in
 * whole milliseconds) and tells its subscribers. SqlStatements' queries are
 * timed there instead.
 */
@Injectable()
export class QueryTimer implements EntitySubscriberInterface, OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly metrics?: AppMetrics,
  ) {}

  onModuleInit(): void {
    if (this.metrics) this.dataSource.subscribers.push(this);
  }

  afterQuery(event: AfterQueryEvent<unknown>): void {
    const data = event.queryRunner?.data as Record<string, unknown> | undefined;
    if (event.executionTime === undefined || data?.[TIMED_ELSEWHERE] === true) return;
    this.metrics?.dbQueryDuration.observe({ kind: queryKind(event.query) }, event.executionTime / 1000);
  }
}
