import { Injectable } from '@nestjs/common';
import { DomainEventBus } from '../events';
import { User } from './user.entity';
import { UserNotFoundError, UserVersionMismatchError } from './user.errors';
import { ChangeContext, NewUser, UserChanges, UserPage, UserPageQuery, UsersRepository } from './users.repository';

/**
 * The rules for users. Knows nothing of HTTP or sockets: it changes rows
 * through UsersRepository (each change recorded in the user's history by the
 * same statement, with who made it) and, once a change is committed,
 * publishes exactly one domain event carrying the committed row.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly events: DomainEventBus,
  ) {}

  list(query: UserPageQuery): Promise<UserPage> {
    return this.users.findPage(query);
  }

  async get(id: number): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new UserNotFoundError(id);
    return user;
  }

  async create(input: NewUser, change: ChangeContext): Promise<User> {
    const user = await this.users.insert(input, change);
    this.events.publish('user.created', { user });
    return user;
  }

  /**
   * Changes only the named fields. With expectedVersions (from If-Match), the
   * change happens only while the user is still at one of those versions.
   */
  async update(id: number, changes: UserChanges, change: ChangeContext, expectedVersions?: readonly number[]): Promise<User> {
    const outcome = await this.users.update(id, changes, change, expectedVersions);
    switch (outcome.kind) {
      case 'not_found':
        throw new UserNotFoundError(id);
      case 'version_mismatch':
        throw new UserVersionMismatchError(id, outcome.current.version);
      case 'updated':
        this.events.publish('user.updated', { user: outcome.user });
        return outcome.user;
    }
  }

  async remove(id: number, change: ChangeContext): Promise<User> {
    const user = await this.users.delete(id, change);
    if (!user) throw new UserNotFoundError(id);
    this.events.publish('user.deleted', { user });
    return user;
  }
}
