import { Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { EnvironmentVariables } from '../config';
import type { DomainEventHandler, DomainEventMap, DomainEventMeta, DomainEventName } from './index';

/**
 * Typed publish/subscribe for domain events, in process. Services publish
 * after their change is committed; subscribers run within publish(), and a
 * failing one is logged and never turns a committed change into an error for
 * the caller.
 */
@Injectable()
export class DomainEventBus {
  private readonly logger = new Logger(DomainEventBus.name);

  private readonly dieBeforePublishing: boolean;

  constructor(
    private readonly emitter: EventEmitter2,
    @Optional() config?: ConfigService<EnvironmentVariables, true>,
  ) {
    this.dieBeforePublishing = config?.get('FAULT_INJECTION', { infer: true }) === 'exit-after-commit';
  }

  publish<K extends DomainEventName>(name: K, payload: DomainEventMap[K], meta: DomainEventMeta = {}): void {
    // FAULT_INJECTION=exit-after-commit (tests only): the crash between a commit and its event.
    if (this.dieBeforePublishing) process.kill(process.pid, 'SIGKILL');
    this.emitter.emit(name, payload, meta);
  }

  /** Returns the function that removes the subscription. */
  subscribe<K extends DomainEventName>(name: K, handler: DomainEventHandler<K>): () => void {
    const guarded = (payload: DomainEventMap[K], meta: DomainEventMeta): void => {
      try {
        handler(payload, meta);
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
