import { Injectable } from '@nestjs/common';
import { Seeder, SeedOptions } from '../database';
import { SAMPLE_USERS } from './sample-users';
import { UsersService } from './users.service';

/** `npm run seed`: the proof of concept's sample people, created through UsersService like any other user. */
@Injectable()
export class UsersSeeder extends Seeder {
  constructor(private readonly users: UsersService) {
    super();
  }

  async seed({ ifEmpty }: SeedOptions): Promise<string> {
    const { total } = await this.users.list({ limit: 1, offset: 0 });
    if (ifEmpty && total > 0) return `${total} users already there; nothing to seed`;
    for (const [firstName, lastName] of SAMPLE_USERS) {
      await this.users.create({ firstName, lastName }, { by: 'npm run seed', requestId: null });
    }
    return `created ${SAMPLE_USERS.length} sample users`;
  }
}
