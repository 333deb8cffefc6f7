export { DomainEventBus } from './domain-event-bus';
export { EventsModule } from './events.module';

/**
 * Every domain event, by name, with its payload type. Empty here on purpose:
 * this folder knows no feature. Each feature adds its own events from its own
 * folder by module augmentation of this file (declared here, in the index,
 * so that `declare module '../events'` merges with it), e.g. in
 * src/orders/order.events.ts:
 *
 *   declare module '../events' {
 *     interface DomainEventMap { 'order.placed': { order: Order } }
 *   }
 *
 * Publishing or relaying an event not listed, or with the wrong payload, does
 * not compile.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by module augmentation
export interface DomainEventMap {}

export type DomainEventName = Extract<keyof DomainEventMap, string>;
/** What a subscriber is told about an event besides its payload. */
export interface DomainEventMeta {
  /**
   * When the change was committed (performance.now()), where the publisher
   * says: the realtime relay reports the time from then to its socket.io event.
   */
  committedAt?: number;
}

export type DomainEventHandler<K extends DomainEventName> = (payload: DomainEventMap[K], meta: Readonly<DomainEventMeta>) => void;
