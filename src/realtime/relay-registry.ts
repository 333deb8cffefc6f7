import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { DomainEventBus, DomainEventMap, DomainEventName } from '../events';
import { AppMetrics } from '../observability';
import { AnyClientRelay, ClientRelay } from './client-relay';
import { RealtimeTopics } from './realtime-topics';

/** Subscribes each registered relay to the domain event bus and sends its messages. */
@Injectable()
export class RelayRegistry implements OnModuleDestroy {
  private readonly logger = new Logger(RelayRegistry.name);
  private readonly unsubscribers: (() => void)[] = [];

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
  }

  private registerOne<K extends DomainEventName>(relay: ClientRelay<K>): void {
    this.logger.log(`relaying ${relay.event} to socket.io clients`);
    this.unsubscribers.push(
      this.events.subscribe(relay.event, (payload: DomainEventMap[K]) => {
        const message = relay.toClients(payload);
        this.topics.broadcast(message);
        this.metrics?.eventsRelayed.inc({ event: message.event });
      }),
    );
  }
}
