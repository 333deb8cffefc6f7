import type { HeadMessage } from '../../src/users/users.wire';
import type { WireUser } from './factories';
import type { UserUpdate } from './socket-client';

/**
 * What a window showing `shown` does with a `user_update` (docs/realtime.md,
 * "What a client does"): applies the next version, ignores another user's
 * update or one it has, and asks for a replay when versions are missing in
 * between.
 */
export function stepFor(shown: WireUser, update: UserUpdate): 'apply' | 'ignore' | 'replay' {
  if (update.user.id !== shown.id || update.action !== 'update') return 'ignore';
  if (update.user.version <= shown.version) return 'ignore';
  return update.user.version === shown.version + 1 ? 'apply' : 'replay';
}

/** Whether a `head` says the window is behind: a newer version of the user it shows. */
export function isBehind(shown: WireUser, head: HeadMessage): boolean {
  return head.user_id === shown.id && head.version !== undefined && head.version > shown.version;
}
