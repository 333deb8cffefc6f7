import type { DomainEventMap, DomainEventName } from '../events';
import type { ServerEventName, ServerEventPayload } from './index';

/** One server-to-client event with its payload, as the wire map types it. */
export type OutboundMessage = {
  [E in ServerEventName]: {
    /** socket.io event name on the wire, e.g. `user_update`. */
    event: E;
    data: ServerEventPayload<E>;
    /**
     * When set, only clients following this topic (and clients that follow
     * everything) receive the message; otherwise every client does.
     */
    topic?: string;
  };
}[ServerEventName];

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
