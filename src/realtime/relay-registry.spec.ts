import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DomainEventBus } from '../events';
import { AppMetrics } from '../observability';
import type { OutboundMessage } from './client-relay';
import { defineRelay } from './client-relay';
import type { RealtimeTopics } from './realtime-topics';
import { RelayRegistry } from './relay-registry';

declare module '../events' {
  interface DomainEventMap {
    /** Only in this spec: src/realtime knows no feature's events. */
    'relay-spec.happened': { n: number };
  }
}

function setup(): { bus: DomainEventBus; sent: OutboundMessage[]; registry: RelayRegistry; metrics: AppMetrics } {
  const bus = new DomainEventBus(new EventEmitter2());
  const sent: OutboundMessage[] = [];
  const topics = { broadcast: (message: OutboundMessage) => void sent.push(message) } as unknown as RealtimeTopics;
  const metrics = new AppMetrics();
  const registry = new RelayRegistry(bus, topics, metrics);
  registry.register([
    defineRelay('relay-spec.happened', ({ n }) => ({ event: 'exception', data: { status: 'error', message: `#${n}` } })),
  ]);
  return { bus, sent, registry, metrics };
}

const messagesOf = (sent: OutboundMessage[]): unknown[] => sent.map((message) => message.data as unknown);

describe('RelayRegistry', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('sends after the publishing turn of the event loop, in publishing order', async () => {
    const { bus, sent } = setup();
    bus.publish('relay-spec.happened', { n: 1 });
    bus.publish('relay-spec.happened', { n: 2 });
    // The publisher's own work (an HTTP answer) goes out before the fan-out.
    expect(sent).toEqual([]);
    await nextTurn();
    bus.publish('relay-spec.happened', { n: 3 });
    await nextTurn();
    expect(messagesOf(sent)).toEqual(['#1', '#2', '#3'].map((message) => ({ status: 'error', message })));
  });

  it('makes the message when the event is published, not when it is sent', async () => {
    const { bus, sent } = setup();
    const payload = { n: 1 };
    bus.publish('relay-spec.happened', payload);
    payload.n = 99;
    await nextTurn();
    expect(messagesOf(sent)).toEqual([{ status: 'error', message: '#1' }]);
  });

  it('still sends what was published before a shutdown, and nothing published after it', async () => {
    const { bus, sent, registry } = setup();
    bus.publish('relay-spec.happened', { n: 1 });
    registry.onModuleDestroy();
    expect(messagesOf(sent)).toEqual([{ status: 'error', message: '#1' }]);
    bus.publish('relay-spec.happened', { n: 2 });
    await nextTurn();
    expect(sent).toHaveLength(1);
  });

  it('records commit to emit once the message is out', async () => {
    const { bus, metrics } = setup();
    bus.publish('relay-spec.happened', { n: 1 }, { committedAt: performance.now() });
    const count = async (): Promise<number | undefined> =>
      (await metrics.commitToEmit.get()).values.find((value) => value.metricName === 'realtime_commit_to_emit_seconds_count')
        ?.value;
    expect(await count()).toBeUndefined();
    await nextTurn();
    expect(await count()).toBe(1);
  });
});
