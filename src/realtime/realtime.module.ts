import { DynamicModule, Module } from '@nestjs/common';
import { EventsModule } from '../events';
import { RealtimeAdmission } from './admission';
import { AnyClientRelay } from './client-relay';
import { PresenceCounter, PresenceRelay } from './presence';
import { RealtimeRedisModule } from './redis/realtime-redis.module';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimeTopics } from './realtime-topics';
import { RelayRegistry } from './relay-registry';
import { SocketAuthentication } from './socket-auth';

/** The one gateway, topics and registries, shared by every feature that uses realtime. */
@Module({
  imports: [EventsModule],
  providers: [RealtimeGateway, RealtimeTopics, PresenceCounter, RelayRegistry, SocketAuthentication, RealtimeAdmission],
  exports: [RealtimeTopics, PresenceCounter, RelayRegistry, RealtimeAdmission],
})
class RealtimeCoreModule {}

export interface RealtimeFeature {
  /** How the feature's domain events look on the wire. */
  relays?: readonly AnyClientRelay[];
  /** Topics whose followers are counted and told how many they are. */
  presence?: readonly PresenceRelay[];
}

let featureCount = 0;

@Module({
  imports: [RealtimeCoreModule, RealtimeRedisModule],
  exports: [RealtimeCoreModule],
})
export class RealtimeModule {
  /**
   * The one step a feature module takes to get its domain events to
   * browsers: import RealtimeModule.forFeature({ relays }). Its own gateway,
   * if it has one, can then inject RealtimeTopics.
   */
  static forFeature(feature: RealtimeFeature): DynamicModule {
    const token = `REALTIME_FEATURE_${++featureCount}`;
    return {
      module: RealtimeModule,
      providers: [
        {
          provide: token,
          inject: [RelayRegistry, PresenceCounter],
          useFactory: (relays: RelayRegistry, presence: PresenceCounter): RealtimeFeature => {
            relays.register(feature.relays ?? []);
            presence.register(feature.presence ?? []);
            return feature;
          },
        },
      ],
    };
  }
}
