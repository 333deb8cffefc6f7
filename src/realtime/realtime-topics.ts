import { Injectable, Optional } from '@nestjs/common';
import { AppMetrics } from '../observability';
import { sendBatched } from './batched-writes';
import type { OutboundMessage } from './client-relay';
import { DeliveryGate } from './delivery-gate';
import { emitMessage } from './emit';
import { PresenceCounter } from './presence';
import { FOLLOW_ALL_ROOM, roomForTopic, TOPIC_ROOM_PREFIX, topicOfRoom } from './topics';
import type { RealtimeServer, RealtimeSocket } from './index';

/** What a replay sends, and which held live messages it already covered. */
export interface Replayed {
  messages: readonly OutboundMessage[];
  isDuplicate(event: string, data: unknown): boolean;
}

/**
 * Who follows what, and fan-out. A client follows one topic (a feature's name
 * for a thing, e.g. `user:3`) or, with none, everything. Features decide the
 * topic (at the handshake or on a message of their own); this class keeps
 * the rooms, counts presence and sends.
 */
@Injectable()
export class RealtimeTopics {
  private server?: RealtimeServer;
  private readonly gate = new DeliveryGate();

  constructor(
    private readonly presence: PresenceCounter,
    @Optional() private readonly metrics?: AppMetrics,
  ) {}

  attach(server: RealtimeServer): void {
    this.server = server;
    const delivered = this.metrics?.eventsDelivered;
    this.gate.install(server.of('/').adapter, delivered && ((event, sockets) => delivered.inc({ event }, sockets)));
    this.presence.attach(server);
  }

  /** In a handshake middleware: the topic the socket starts on once connected (default: everything). */
  startOn(socket: RealtimeSocket, topic: string | null): void {
    socket.data.topic = topic;
  }

  /** The topic a socket follows; null when it follows everything. */
  topicOf(socket: RealtimeSocket): string | null {
    return socket.data.topic ?? null;
  }

  connected(socket: RealtimeSocket): void {
    const topic = this.topicOf(socket);
    void socket.join(topic === null ? FOLLOW_ALL_ROOM : roomForTopic(topic));
    this.metrics?.connectedSockets.inc();
    this.metrics?.subscriptions.inc({ kind: kindOfTopic(topic) });
    this.presence.changed(topic);
  }

  /** socket.io has already taken the socket out of its rooms. */
  disconnected(socket: RealtimeSocket): void {
    this.gate.forget(socket.id);
    const topic = this.topicOf(socket);
    this.metrics?.connectedSockets.dec();
    this.metrics?.subscriptions.dec({ kind: kindOfTopic(topic) });
    this.presence.changed(topic);
  }

  /** Moves a connected socket to `topic` (null: everything). */
  follow(socket: RealtimeSocket, topic: string | null): void {
    const previous = this.topicOf(socket);
    for (const room of socket.rooms) if (room !== socket.id) void socket.leave(room);
    socket.data.topic = topic;
    void socket.join(topic === null ? FOLLOW_ALL_ROOM : roomForTopic(topic));
    if (this.metrics && kindOfTopic(previous) !== kindOfTopic(topic)) {
      this.metrics.subscriptions.dec({ kind: kindOfTopic(previous) });
      this.metrics.subscriptions.inc({ kind: kindOfTopic(topic) });
    }
    if (previous !== topic) this.presence.changed(previous);
    this.presence.changed(topic);
  }

  /**
   * Moves a connected socket to `topic` and sends it what it missed first:
   * live messages to it are held from before it joins until `replay` (which
   * must read its data after it is called, so nothing committed in between is
   * lost) has produced what it missed and that was sent; then the held ones
   * follow, less those `replay` says the replay already carried.
   */
  async followFrom(socket: RealtimeSocket, topic: string | null, replay: () => Promise<Replayed>): Promise<void> {
    const hold = this.gate.hold(socket.id);
    try {
      this.follow(socket, topic);
      const replayed = await replay();
      sendBatched(socket, () => {
        for (const message of replayed.messages) this.sendTo(socket, message);
        hold.release((event, data) => replayed.isDuplicate(event, data));
      });
    } finally {
      // Only reached on an error before the release above: deliver what was held as it is.
      hold.release();
    }
  }

  /** To one socket. */
  sendTo(socket: RealtimeSocket, message: OutboundMessage): void {
    emitMessage(socket, message);
    this.metrics?.eventsDelivered.inc({ event: message.event });
  }

  /** The topics that clients connected to this instance follow. */
  localTopics(): string[] {
    const rooms = this.server?.of('/').adapter.rooms;
    if (!rooms) return [];
    return [...rooms.keys()].filter((room) => room.startsWith(TOPIC_ROOM_PREFIX)).map(topicOfRoom);
  }

  /** To the clients of this instance only that follow `topic` (null: those following everything). */
  sendLocal(topic: string | null, message: OutboundMessage): void {
    if (!this.server) return;
    emitMessage(this.server.local.to(topic === null ? FOLLOW_ALL_ROOM : roomForTopic(topic)), message);
  }

  /** To the message's topic and to clients following everything; without a topic, to every client. */
  broadcast(message: OutboundMessage): void {
    // An application context without HTTP (the seed script) has no socket server: nobody to tell.
    if (!this.server) return;
    const target = message.topic ? this.server.to([FOLLOW_ALL_ROOM, roomForTopic(message.topic)]) : this.server;
    emitMessage(target, message);
  }

  /** To the other clients on `topic` only (not to those following everything). */
  toPeers(sender: RealtimeSocket, topic: string, message: OutboundMessage): void {
    emitMessage(sender.to(roomForTopic(topic)), message);
  }
}

/** What a subscription is counted under: the kind of its topic (`user` for user:3), or everything; never a whole topic. */
function kindOfTopic(topic: string | null): string {
  if (topic === null) return 'everything';
  const colon = topic.indexOf(':');
  return colon > 0 ? topic.slice(0, colon) : 'topic';
}
