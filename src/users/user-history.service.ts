import { Injectable } from '@nestjs/common';
import type { UserChange } from './user-change.entity';
import { UserNotFoundError } from './user.errors';
import { FeedPage, HistoryPage, UserChangesRepository } from './user-changes.repository';
import { MAX_USER_ID, UsersRepository } from './users.repository';

/** The most a replay sends; a client further behind fetches again instead. */
export const REPLAY_MAX = 1_000;

/** What a client missed, from the history: complete (recovered), or not available any more. */
export interface Replay {
  recovered: boolean;
  /** Oldest first; empty when not recovered. */
  changes: UserChange[];
}

const NOT_RECOVERED: Replay = { recovered: false, changes: [] };

/** The change history of users: reading it, and working out what a client missed. */
@Injectable()
export class UserHistoryService {
  constructor(
    private readonly changes: UserChangesRepository,
    private readonly users: UsersRepository,
  ) {}

  /** A user's changes, newest first, also after the user was deleted; 404 for an id that never existed. */
  async ofUser(userId: number, page: HistoryPage): Promise<UserChange[]> {
    if (userId > MAX_USER_ID) throw new UserNotFoundError(userId);
    const changes = await this.changes.ofUser(userId, page);
    if (changes.length === 0 && !(await this.existedEver(userId))) throw new UserNotFoundError(userId);
    return changes;
  }

  /** Every change after a sequence number, in order: the change feed. */
  feed(page: FeedPage): Promise<UserChange[]> {
    return this.changes.feed(page);
  }

  /** What a client showing `version` of a user missed: the user's later changes, if the history still holds them all. */
  async missedSinceVersion(userId: number, version: number): Promise<Replay> {
    const changes = await this.changes.ofUserSinceVersion(userId, version, REPLAY_MAX + 1);
    if (changes.length > REPLAY_MAX) return NOT_RECOVERED;
    if (changes.length === 0) {
      // Nothing newer: recovered when the history has reached the client's version (a client ahead of it, or
      // on an unknown user, is not). A change committed since the read above is newer, and comes live.
      const latest = (await this.changes.latestVersions([userId])).get(userId);
      return latest !== undefined && latest >= version ? { recovered: true, changes } : NOT_RECOVERED;
    }
    const contiguous = changes.every((change, i) => change.version === version + 1 + i);
    return contiguous ? { recovered: true, changes } : NOT_RECOVERED;
  }

  /** What a client that follows everything and saw up to `seq` missed: every later change, if none was trimmed. */
  async missedSinceSeq(seq: number): Promise<Replay> {
    const [head, changes] = await Promise.all([this.changes.head(), this.changes.feed({ since: seq, limit: REPLAY_MAX + 1 })]);
    if (seq > head || changes.length > REPLAY_MAX) return NOT_RECOVERED;
    // Committed changes have no gaps in their numbers, so a hole means trimmed history.
    const contiguous = changes.every((change, i) => change.seq === seq + 1 + i);
    return contiguous ? { recovered: true, changes } : NOT_RECOVERED;
  }

  private async existedEver(userId: number): Promise<boolean> {
    return (await this.changes.hasAny(userId)) || (await this.users.findById(userId)) !== null;
  }
}
