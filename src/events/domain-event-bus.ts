import { Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { performance } from 'node:perf_hooks';
import type { EnvironmentVariables } from '../config';
import { AppMetrics } from '../observability';
import type { DomainEventHandler, DomainEventMap, DomainEventName } from './index';

export interface PublishOptions {
  /**
   * When the change was committed (performance.now()): the time from then to
   * the end of publish(), when every subscriber has run and the socket.io
   * event is out, is recorded as realtime_commit_to_emit_seconds.
   */
  committedAt?: number;
}

/**
 * Typed publish/subscribe for domain events, in process. Services publish
 * after their change is committed; a failing subscriber is logged and never
 * turns a committed change into an error for the caller.
 */
@Injectable()
export class DomainEventBus {
  private readonly logger = new Logger(DomainEventBus.name);

  private readonly dieBeforePublishing: boolean;

  constructor(
    private readonly emitter: EventEmitter2,
    @Optional() config?: ConfigService<EnvironmentVariables, true>,
    @Optional() private readonly metrics?: AppMetrics,
  ) {
    this.dieBeforePublishing = config?.get('FAULT_INJECTION', { infer: true }) === 'exit-after-commit';
  }

  publish<K extends DomainEventName>(name: K, payload: DomainEventMap[K], options: PublishOptions = {}): void {
    // FAULT_INJECTION=exit-after-commit (tests only): the crash between a commit and its event.
    if (this.dieBeforePublishing) process.kill(process.pid, 'SIGKILL');
    this.emitter.emit(name, payload);
    if (options.committedAt !== undefined && this.metrics) {
      this.metrics.commitToEmit.observe({ event: name }, (performance.now() - options.committedAt) / 1000);
    }
  }

  /** Returns the function that removes the subscription. */
  subscribe<K extends DomainEventName>(name: K, handler: DomainEventHandler<K>): () => void {
    const guarded = (payload: DomainEventMap[K]): void => {
      try {
        handler(payload);
      } catch (error) {
        this.logger.error(`subscriber of ${name} failed: ${(error as Error).message}`, (error as Error).stack);
      }
    };
    this.emitter.on(name, guarded);
    return () => {
      this.emitter.off(name, guarded);
    };
  }
}
