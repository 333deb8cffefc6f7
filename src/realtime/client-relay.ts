import type { DomainEventMap, DomainEventName } from '../events';

/** What the gateway sends to browsers for one domain event. */
export interface OutboundMessage {
  /** socket.io event name on the wire, e.g. `user_update`. */
  event: string;
  data: unknown;
  /**
   * When set, only clients following this topic (and clients that follow
   * everything) receive the message; otherwise every client does.
   */
  topic?: string;
}

/** Maps one domain event to what browsers see. */
export interface ClientRelay<K extends DomainEventName = DomainEventName> {
  readonly event: K;
  toClients(payload: DomainEventMap[K]): OutboundMessage;
}

/** Typed constructor: the payload type follows from the event name. */
export function defineRelay<K extends DomainEventName>(
  event: K,
  toClients: (payload: DomainEventMap[K]) => OutboundMessage,
): ClientRelay<K> {
  return { event, toClients };
}

/** A relay of any event, as the registry stores them. */
export type AnyClientRelay = { [K in DomainEventName]: ClientRelay<K> }[DomainEventName];
