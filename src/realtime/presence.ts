import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { OutboundMessage } from './client-relay';
import { emitMessage } from './emit';
import { roomForTopic } from './topics';
import type { RealtimeServer } from './index';

/** How the number of clients on a topic is told to them: a feature's own message. */
export interface PresenceRelay {
  /** The topics this relay counts, by prefix (e.g. `user:`). */
  readonly topicPrefix: string;
  toClients(topic: string, count: number): OutboundMessage | undefined;
}

export function definePresence(
  topicPrefix: string,
  toClients: (topic: string, count: number) => OutboundMessage | undefined,
): PresenceRelay {
  return { topicPrefix, toClients };
}

/**
 * Joins and leaves within this window are counted once per topic, and told
 * once: a join or leave costs the same however many clients share the topic,
 * instead of a recount and a message to every member per join.
 */
export const PRESENCE_WINDOW_MS = 50;

/**
 * Each topic is counted once more when its counts have been quiet this long. Two
 * windows joining one topic on two instances at the same moment can each be
 * counted before the other's join is visible to its instance; the second
 * count, once both joins are everywhere, corrects both to the same number.
 */
export const PRESENCE_SETTLE_MS = 500;

/**
 * Counts the clients following a topic across every instance (through the
 * adapter) and tells them, for topics a feature asked to be counted. Off the
 * request path: a slow or lost peer instance only delays a count.
 */
@Injectable()
export class PresenceCounter implements OnModuleDestroy {
  private readonly logger = new Logger(PresenceCounter.name);
  private readonly relays: PresenceRelay[] = [];
  private readonly pending = new Set<string>();
  private readonly settling = new Set<string>();
  private timer?: NodeJS.Timeout;
  private settleTimer?: NodeJS.Timeout;
  private server?: RealtimeServer;

  register(relays: readonly PresenceRelay[]): void {
    this.relays.push(...relays);
  }

  attach(server: RealtimeServer): void {
    this.server = server;
  }

  /** A client joined or left `topic`: count it again at the end of the window. */
  changed(topic: string | null): void {
    if (topic === null || !this.relayFor(topic)) return;
    this.pending.add(topic);
    this.timer ??= setTimeout(() => this.flush(), PRESENCE_WINDOW_MS);
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
    clearTimeout(this.settleTimer);
    this.pending.clear();
    this.settling.clear();
  }

  private flush(): void {
    this.timer = undefined;
    const topics = [...this.pending];
    this.pending.clear();
    for (const topic of topics) {
      void this.announce(topic);
      this.settling.add(topic);
    }
    // Restarted by every count: under a stream of joins, the settling count waits for a quiet moment.
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.settle(), PRESENCE_SETTLE_MS);
  }

  private settle(): void {
    this.settleTimer = undefined;
    const topics = [...this.settling].filter((topic) => !this.pending.has(topic));
    this.settling.clear();
    for (const topic of topics) void this.announce(topic);
  }

  private async announce(topic: string): Promise<void> {
    const server = this.server;
    const relay = this.relayFor(topic);
    if (!server || !relay) return;
    const room = roomForTopic(topic);
    try {
      const sockets = await server.in(room).fetchSockets();
      const message = relay.toClients(topic, sockets.length);
      if (message) emitMessage(server.to(room), message);
    } catch (error) {
      this.logger.warn(`presence on ${topic} not counted: ${(error as Error).message}`);
    }
  }

  private relayFor(topic: string): PresenceRelay | undefined {
    return this.relays.find((relay) => topic.startsWith(relay.topicPrefix));
  }
}
