import { Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { DomainEventBus } from './domain-event-bus';

@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false })],
  providers: [DomainEventBus],
  exports: [DomainEventBus],
})
export class EventsModule {}
