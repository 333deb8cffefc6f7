import type { User } from './user.entity';

/** Payload of user.created, user.updated and user.deleted: the committed row (for a delete, the row as it was). */
export interface UserEvent {
  readonly user: Readonly<User>;
}

declare module '../events' {
  interface DomainEventMap {
    'user.created': UserEvent;
    'user.updated': UserEvent;
    'user.deleted': UserEvent;
  }
}
