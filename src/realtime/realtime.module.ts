import { DynamicModule, Module } from '@nestjs/common';
import { EventsModule } from '../events';
import { AnyClientRelay } from './client-relay';
import { RealtimeRedisModule } from './realtime-redis.module';
import { RealtimeGateway } from './realtime.gateway';
import { RelayRegistry } from './relay-registry';

/** The one gateway and registry, shared by every module that relays events. */
@Module({
  imports: [EventsModule],
  providers: [RealtimeGateway, RelayRegistry],
  exports: [RelayRegistry],
})
class RealtimeCoreModule {}

let featureCount = 0;

@Module({
  imports: [RealtimeCoreModule, RealtimeRedisModule],
})
export class RealtimeModule {
  /**
   * The one step a feature module takes to get its domain events to
   * browsers: import RealtimeModule.forFeature(itsRelays).
   */
  static forFeature(relays: readonly AnyClientRelay[]): DynamicModule {
    const token = `REALTIME_RELAYS_${++featureCount}`;
    return {
      module: RealtimeModule,
      providers: [
        {
          provide: token,
          inject: [RelayRegistry],
          useFactory: (registry: RelayRegistry): readonly AnyClientRelay[] => {
            registry.register(relays);
            return relays;
          },
        },
      ],
    };
  }
}
