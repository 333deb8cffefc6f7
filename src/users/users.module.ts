import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events';
import { RealtimeModule } from '../realtime';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersGateway } from './users.gateway';
import { usersPresence, usersRelays } from './users.relay';
import { UsersRepository } from './users.repository';
import { UsersSeeder } from './users.seeder';
import { UsersService } from './users.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
    EventsModule,
    RealtimeModule.forFeature({ relays: usersRelays, presence: usersPresence }),
  ],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository, UsersGateway, UsersSeeder],
  exports: [UsersService],
})
export class UsersModule {}
