import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { DomainEventBus } from '../events';
import { User } from './user.entity';
import { UserNotFoundError, UserVersionMismatchError } from './user.errors';
import { UserEventsInOrder } from './user-events-in-order';
import { ChangeContext, NewUser, UserChanges, UserPage, UserPageQuery, UsersRepository } from './users.repository';

/**
 * The rules for users. Knows nothing of HTTP or sockets: it changes rows
 * through UsersRepository (each change recorded in the user's history by the
 * same statement, with who made it) and, once a change is committed,
 * publishes exactly one domain event carrying the committed row.
 */
@Injectable()
export class UsersService {
  /** Concurrent writes can come back out of order; their events go out in version order. */
  private readonly inOrder = new UserEventsInOrder();

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
    this.events.publish('user.created', { user }, { committedAt: performance.now() });
    return user;
  }

  /**
   * Changes only the named fields. With expectedVersions (from If-Match), the
   * change happens only while the user is still at one of those versions.
   */
  async update(id: number, changes: UserChanges, change: ChangeContext, expectedVersions?: readonly number[]): Promise<User> {
    const outcome = await this.inOrderOf(
      id,
      () => this.users.update(id, changes, change, expectedVersions),
      (result) =>
        result.kind === 'updated'
          ? {
              version: result.user.version,
              event: (committedAt) => this.events.publish('user.updated', { user: result.user }, { committedAt }),
            }
          : undefined,
    );
    switch (outcome.kind) {
      case 'not_found':
        throw new UserNotFoundError(id);
      case 'version_mismatch':
        throw new UserVersionMismatchError(id, outcome.current.version);
      case 'updated':
        return outcome.user;
    }
  }

  async remove(id: number, change: ChangeContext): Promise<User> {
    // A delete comes one version after the user's last.
    const user = await this.inOrderOf(
      id,
      () => this.users.delete(id, change),
      (deleted) =>
        deleted
          ? {
              version: deleted.version + 1,
              event: (committedAt) => this.events.publish('user.deleted', { user: deleted }, { committedAt }),
            }
          : undefined,
    );
    if (!user) throw new UserNotFoundError(id);
    return user;
  }

  /** Runs a write on a user and publishes its event, if it made one, in the user's version order. */
  private async inOrderOf<T>(
    userId: number,
    write: () => Promise<T>,
    eventOf: (result: T) => { version: number; event: (committedAt: number) => void } | undefined,
  ): Promise<T> {
    const handle = this.inOrder.started(userId);
    let result: T;
    try {
      result = await write();
    } catch (error) {
      this.inOrder.settled(handle);
      throw error;
    }
    const committedAt = performance.now();
    const made = eventOf(result);
    if (!made) {
      this.inOrder.settled(handle);
      return result;
    }
    this.inOrder.settled(handle, { version: made.version, publish: () => made.event(committedAt) });
    return result;
  }
}
