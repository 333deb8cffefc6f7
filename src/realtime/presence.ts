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
 * A topic told a count of N clients is not counted again for N times this
 * long (the window at least, PRESENCE_MAX_INTERVAL_MS at most). Telling N
 * clients is N socket writes: under a steady churn of joins and leaves (many
 * windows reconnecting) a topic of a thousand clients told every window would
 * cost 20,000 writes a second, and the more clients the more writes. Spacing
 * the counts by the topic's size keeps that under 1 / PRESENCE_MS_PER_CLIENT
 * (4,000) writes a second per topic, whatever its size up to 4,000 clients.
 */
export const PRESENCE_MS_PER_CLIENT = 0.25;

/** The longest a join or leave waits for its count, however many clients the topic has. */
export const PRESENCE_MAX_INTERVAL_MS = 1_000;

/** How long after telling `clients` clients their topic may be counted again. */
export function presenceInterval(clients: number): number {
  return Math.min(PRESENCE_MAX_INTERVAL_MS, Math.max(PRESENCE_WINDOW_MS, clients * PRESENCE_MS_PER_CLIENT));
}

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
  /** When each topic counted lately may be counted again (Date.now() time). */
  private readonly notBefore = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private settleTimer?: NodeJS.Timeout;
  private server?: RealtimeServer;

  register(relays: readonly PresenceRelay[]): void {
    this.relays.push(...relays);
  }

  attach(server: RealtimeServer): void {
    this.server = server;
  }

  /** A client joined or left `topic`: count it again at the end of the window, or once its interval is over. */
  changed(topic: string | null): void {
    if (topic === null || !this.relayFor(topic)) return;
    this.pending.add(topic);
    const now = Date.now();
    this.flushAt(Math.max(now + PRESENCE_WINDOW_MS, this.notBefore.get(topic) ?? 0), now);
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
    clearTimeout(this.settleTimer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.pending.clear();
    this.settling.clear();
    this.notBefore.clear();
  }

  /** Keeps the earliest of the flushes asked for: one timer for every topic. */
  private flushAt(at: number, now: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.flush(), Math.max(0, at - now));
  }

  private flush(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    let counted = false;
    for (const topic of this.pending) {
      const due = this.notBefore.get(topic) ?? 0;
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      this.pending.delete(topic);
      void this.announce(topic);
      this.settling.add(topic);
      counted = true;
    }
    if (next !== Infinity) this.flushAt(next, now);
    for (const [topic, due] of this.notBefore) if (due <= now && !this.pending.has(topic)) this.notBefore.delete(topic);
    if (!counted) return;
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
      const interval = presenceInterval(sockets.length);
      if (interval > PRESENCE_WINDOW_MS) this.notBefore.set(topic, Date.now() + interval);
    } catch (error) {
      this.logger.warn(`presence on ${topic} not counted: ${(error as Error).message}`);
    }
  }

  private relayFor(topic: string): PresenceRelay | undefined {
    return this.relays.find((relay) => topic.startsWith(relay.topicPrefix));
  }
}
