import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { DomainEventBus, DomainEventMap, DomainEventMeta, DomainEventName } from '../events';
import { AppMetrics } from '../observability';
import { AnyClientRelay, ClientRelay, OutboundMessage } from './client-relay';
import { RealtimeTopics } from './realtime-topics';

/** A relayed message waiting for the end of the current turn of the event loop. */
interface Outgoing {
  message: OutboundMessage;
  source: DomainEventName;
  committedAt?: number;
}

/**
 * Subscribes each registered relay to the domain event bus and sends its
 * messages. The message is made when the event is published, and sent once the
 * current turn of the event loop is over (setImmediate), in publishing order:
 * the write's own HTTP answer goes out first, so a writer does not wait for its
 * change to be written to every socket (a thousand followers are a thousand
 * socket writes). The followers lose nothing by it: the answer is one write.
 */
@Injectable()
export class RelayRegistry implements OnModuleDestroy {
  private readonly logger = new Logger(RelayRegistry.name);
  private readonly unsubscribers: (() => void)[] = [];
  private readonly outbox: Outgoing[] = [];
  private flushing?: NodeJS.Immediate;

  constructor(
    private readonly events: DomainEventBus,
    private readonly topics: RealtimeTopics,
    @Optional() private readonly metrics?: AppMetrics,
  ) {}

  register(relays: readonly AnyClientRelay[]): void {
    for (const relay of relays) this.registerOne(relay);
  }

  onModuleDestroy(): void {
    this.unsubscribers.splice(0).forEach((unsubscribe) => unsubscribe());
    // What was published before the shutdown still goes out.
    clearImmediate(this.flushing);
    this.flush();
  }

  private registerOne<K extends DomainEventName>(relay: ClientRelay<K>): void {
    this.logger.log(`relaying ${relay.event} to socket.io clients`);
    this.unsubscribers.push(
      this.events.subscribe(relay.event, (payload: DomainEventMap[K], meta: Readonly<DomainEventMeta>) => {
        this.outbox.push({ message: relay.toClients(payload), source: relay.event, committedAt: meta.committedAt });
        this.flushing ??= setImmediate(() => this.flush());
      }),
    );
  }

  private flush(): void {
    this.flushing = undefined;
    for (const { message, source, committedAt } of this.outbox.splice(0)) {
      try {
        this.topics.broadcast(message);
      } catch (error) {
        this.logger.error(`${message.event} for ${source} not sent: ${(error as Error).message}`, (error as Error).stack);
        continue;
      }
      this.metrics?.eventsRelayed.inc({ event: message.event });
      if (committedAt !== undefined) {
        this.metrics?.commitToEmit.observe({ event: source }, (performance.now() - committedAt) / 1000);
      }
    }
  }
}
