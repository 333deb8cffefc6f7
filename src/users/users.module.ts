import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events';
import { RealtimeModule } from '../realtime';
import { UserChange } from './user-change.entity';
import { User } from './user.entity';
import { UserChangesController } from './user-changes.controller';
import { UserChangesRepository } from './user-changes.repository';
import { UserHistoryService } from './user-history.service';
import { UsersController } from './users.controller';
import { UsersGateway } from './users.gateway';
import { UsersHeads } from './users.heads';
import { usersPresence, usersRelays } from './users.relay';
import { UsersRepository } from './users.repository';
import { UsersRetention } from './users.retention';
import { UsersSeeder } from './users.seeder';
import { UsersService } from './users.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([User, UserChange]),
    EventsModule,
    RealtimeModule.forFeature({ relays: usersRelays, presence: usersPresence }),
  ],
  controllers: [UsersController, UserChangesController],
  providers: [
    UsersService,
    UsersRepository,
    UserHistoryService,
    UserChangesRepository,
    UsersGateway,
    UsersHeads,
    UsersRetention,
    UsersSeeder,
  ],
  exports: [UsersService],
})
export class UsersModule {}
