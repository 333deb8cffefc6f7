import type { OutboundMessage } from './client-relay';

/** Anything socket.io can emit through: the server, a room selection, a socket. */
interface Emitter {
  emit(event: never, ...args: never[]): boolean;
}

/**
 * Emits one typed message. OutboundMessage pairs each event with its own
 * payload type, but TypeScript cannot follow that pairing through a union into
 * socket.io's generic emit(), hence the one widening here.
 */
export function emitMessage(target: Emitter, message: OutboundMessage): void {
  const emit = target.emit.bind(target) as (event: string, data: unknown) => boolean;
  emit(message.event, message.data);
}
