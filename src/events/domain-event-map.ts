import type { UserEvent } from '../users/user.events';

/**
 * Every domain event, by name, with its payload type. Publishing or relaying
 * an event not listed here, or with the wrong payload, does not compile.
 * A feature module adds its own entries here (or, for code outside src/, by
 * declaration merging into this interface).
 */
export interface DomainEventMap {
  'user.created': UserEvent;
  'user.updated': UserEvent;
  'user.deleted': UserEvent;
}

export type DomainEventName = Extract<keyof DomainEventMap, string>;
export type DomainEventHandler<K extends DomainEventName> = (payload: DomainEventMap[K]) => void;
