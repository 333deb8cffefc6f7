import { Body, Controller, Injectable, Module, Post } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IsString, MaxLength } from 'class-validator';
import request from 'supertest';
import { Column, CreateDateColumn, Entity, MigrationInterface, PrimaryGeneratedColumn, QueryRunner } from 'typeorm';
import { SqlStatements } from '../src/database';
import { DomainEventBus, EventsModule } from '../src/events';
import { defineRelay, RealtimeModule } from '../src/realtime';
import { startTestApp, TestApp } from './helpers/app';
import { eventually } from './helpers/eventually';
import { fence, RecordingClient } from './helpers/socket-client';

/*
 * A throwaway "orders" feature, built the way the README's "Adding a feature
 * module" says, following src/users/: its own folder (here, this file), one
 * migration, and one line where the app lists its features (here, the
 * `imports` of startTestApp, which stands in for app.module.ts). It imports
 * only the shared folders' index files. The migration and the entity are
 * handed over explicitly because this module lives outside src/, where the
 * app finds them by itself.
 */

// order.entity.ts
@Entity({ name: 'orders' })
class Order {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 100 })
  item: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}

// src/database/migrations/1764200000000-CreateOrders.ts
class CreateOrders1764200000000 implements MigrationInterface {
  name = 'CreateOrders1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const serial =
      queryRunner.connection.options.type === 'postgres' ? 'SERIAL PRIMARY KEY' : 'integer PRIMARY KEY AUTOINCREMENT NOT NULL';
    const now =
      queryRunner.connection.options.type === 'postgres'
        ? 'timestamptz NOT NULL DEFAULT now()'
        : "datetime NOT NULL DEFAULT (datetime('now'))";
    await queryRunner.query(`CREATE TABLE "orders" ("id" ${serial}, "item" varchar(100) NOT NULL, "created_at" ${now})`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "orders"');
  }
}

// order.response.ts: the wire format
interface OrderResponse {
  id: number;
  item: string;
}

// order.events.ts: the feature's domain events join the typed map from its own folder.
interface OrderPlaced {
  order: OrderResponse;
}

declare module '../src/events' {
  interface DomainEventMap {
    'order.placed': OrderPlaced;
  }
}

// orders.wire.ts: and its socket.io events join the typed wire map.
declare module '../src/realtime' {
  interface ServerToClientEvents {
    order_update: (order: OrderResponse) => void;
  }
}

// dto/place-order.dto.ts
class PlaceOrderDto {
  @IsString()
  @MaxLength(100)
  item: string;
}

// orders.repository.ts: one INSERT … RETURNING, like the users' writes.
@Injectable()
class OrdersRepository {
  constructor(private readonly sql: SqlStatements) {}

  async insert(item: string): Promise<OrderResponse> {
    const [row] = await this.sql.query('INSERT INTO orders (item) VALUES (:item) RETURNING id, item', { item });
    return { id: Number(row.id), item: String(row.item) };
  }
}

// orders.service.ts: the rules; publishes after the write committed.
@Injectable()
class OrdersService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly events: DomainEventBus,
  ) {}

  async place(item: string): Promise<OrderResponse> {
    const order = await this.orders.insert(item);
    this.events.publish('order.placed', { order });
    return order;
  }
}

// orders.controller.ts: HTTP only.
@Controller('api/orders')
class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  place(@Body() body: PlaceOrderDto): Promise<OrderResponse> {
    return this.orders.place(body.item);
  }
}

// orders.relay.ts: the one step that gets the events to browsers.
const ordersRelays = [defineRelay('order.placed', ({ order }) => ({ event: 'order_update', data: order }))];

// orders.module.ts
@Module({
  imports: [TypeOrmModule.forFeature([Order]), EventsModule, RealtimeModule.forFeature({ relays: ordersRelays })],
  controllers: [OrdersController],
  providers: [OrdersService, OrdersRepository],
})
class OrdersModule {}

/** The same feature without the step that relays its events. */
@Module({
  imports: [TypeOrmModule.forFeature([Order]), EventsModule],
  providers: [OrdersService, OrdersRepository],
})
class SilentOrdersModule {}

const ordersSchema = { entities: [Order], migrations: [CreateOrders1764200000000] };

describe('adding a feature module', () => {
  let t: TestApp;

  afterEach(() => t.close());

  it('serves its routes from its own table and gets its events to browsers, beside the users', async () => {
    t = await startTestApp({ imports: [OrdersModule], ...ordersSchema });
    const client = await RecordingClient.connect(t.url);
    try {
      const { body } = await request(t.url).post('/api/orders').send({ item: 'tea' }).expect(201);
      expect(body).toEqual({ id: 1, item: 'tea' });
      await request(t.url).post('/api/orders').send({ item: 5 }).expect(400);
      await eventually(() =>
        expect(client.received.filter((entry) => entry.event === 'order_update').map((entry) => entry.data)).toEqual([body]),
      );
      // The users feature works alongside.
      await request(t.url).post('/api/users').send({ first_name: 'a', last_name: 'b' }).expect(201);
      await client.waitForUpdates(1);
      expect(await t.dataSource.query('SELECT item FROM orders')).toEqual([{ item: 'tea' }]);
    } finally {
      client.close();
    }
  });

  it('relays nothing for a module that did not take that step', async () => {
    t = await startTestApp({ imports: [SilentOrdersModule], ...ordersSchema });
    const client = await RecordingClient.connect(t.url);
    try {
      await t.app.get(OrdersService).place('coffee');
      // Once the fence is in, the order's event (published before it) would be too.
      await fence(t.url, [client]);
      expect(client.received.map((entry) => entry.event)).not.toContain('order_update');
    } finally {
      client.close();
    }
  });
});
