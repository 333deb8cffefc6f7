export { DomainEventBus } from './domain-event-bus';
export type { DomainEventHandler, DomainEventMap, DomainEventName } from './domain-event-map';
export { EventsModule } from './events.module';
