import { Body, Controller, Injectable, Module, Post } from '@nestjs/common';
import { IsString } from 'class-validator';
import request from 'supertest';
import { DomainEventBus, EventsModule } from '../src/events';
import { defineRelay, RealtimeModule } from '../src/realtime';
import { startTestApp, TestApp } from './helpers/app';
import { eventually } from './helpers/eventually';
import { RecordingClient } from './helpers/socket-client';

/*
 * A throwaway "orders" feature built the way a teammate would follow the
 * users module: a service that publishes a typed domain event, and the one
 * step that gets it to browsers, RealtimeModule.forFeature(relays).
 */
interface OrderPlaced {
  order: { id: number; item: string };
}

// The event joins the typed map by declaration merging, as code outside src/ must.
declare module '../src/events/domain-event-map' {
  interface DomainEventMap {
    'order.placed': OrderPlaced;
  }
}

class PlaceOrderDto {
  @IsString()
  item: string;
}

@Injectable()
class OrdersService {
  private nextId = 1;
  constructor(private readonly events: DomainEventBus) {}

  place(item: string): OrderPlaced['order'] {
    const order = { id: this.nextId++, item };
    this.events.publish('order.placed', { order });
    return order;
  }
}

@Controller('api/orders')
class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  place(@Body() body: PlaceOrderDto): OrderPlaced['order'] {
    return this.orders.place(body.item);
  }
}

const ordersRelays = [defineRelay('order.placed', ({ order }) => ({ event: 'order_update', data: order }))];

@Module({
  imports: [EventsModule, RealtimeModule.forFeature(ordersRelays)],
  controllers: [OrdersController],
  providers: [OrdersService],
})
class OrdersModule {}

@Module({ imports: [EventsModule], providers: [OrdersService] })
class SilentOrdersModule {}

describe('adding a feature module', () => {
  let t: TestApp;

  afterEach(() => t.close());

  it('gets its domain events to browsers with RealtimeModule.forFeature, beside the users events', async () => {
    t = await startTestApp({ imports: [OrdersModule] });
    const client = await RecordingClient.connect(t.url);
    try {
      const { body } = await request(t.url).post('/api/orders').send({ item: 'tea' }).expect(201);
      await eventually(() =>
        expect(client.received.filter((entry) => entry.event === 'order_update').map((entry) => entry.data)).toEqual([
          body,
        ]),
      );
      // The users relays still work alongside.
      await request(t.url).post('/api/users').send({ first_name: 'a', last_name: 'b' }).expect(201);
      await client.waitForUpdates(1);
    } finally {
      client.close();
    }
  });

  it('relays nothing for a module that did not take that step', async () => {
    t = await startTestApp({ imports: [SilentOrdersModule] });
    const client = await RecordingClient.connect(t.url);
    try {
      t.app.get(OrdersService).place('coffee');
      await request(t.url).post('/api/users').send({ first_name: 'a', last_name: 'b' }).expect(201);
      await client.waitForUpdates(1);
      expect(client.received.map((entry) => entry.event)).not.toContain('order_update');
    } finally {
      client.close();
    }
  });
});
