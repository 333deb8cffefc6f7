import { Module } from '@nestjs/common';
import { EventsModule } from '../events';
import { RealtimeModule } from '../realtime';
import { UsersController } from './users.controller';
import { usersRelays } from './users.relay';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [EventsModule, RealtimeModule.forFeature(usersRelays)],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository],
  exports: [UsersService],
})
export class UsersModule {}
