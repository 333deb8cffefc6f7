export { defineRelay } from './client-relay';
export type { AnyClientRelay, ClientRelay, OutboundMessage } from './client-relay';
export type { ChangeOriginMessage, PresenceMessage, SubscribeAck } from './realtime.gateway';
export { RealtimeModule } from './realtime.module';
export { topicForUser } from './topics';
