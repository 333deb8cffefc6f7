import type { UserResponse } from './user.response';

/*
 * The users' part of the socket.io wire (the Django proof of concept's
 * format). It joins the one typed map in src/realtime by module augmentation,
 * so the gateway, the test client and the windows all check against it.
 */

/** Every committed change of a user; for a delete, the user as it was. */
export interface UserUpdateMessage {
  action: 'create' | 'update' | 'delete';
  user: UserResponse;
}

/** How many windows are viewing a user, across every instance. */
export interface PresenceMessage {
  user_id: number;
  count: number;
}

/** Follow one user (its updates, plus every create and delete), or null for everything. */
export interface SubscribeRequest {
  user_id: number | null;
}

export interface SubscribeAck {
  user_id: number | null;
}

/** A window tells the others viewing the same user which version it made, so they can say who changed it. */
export interface ChangeOriginMessage {
  user_id: number;
  version: number;
  by: string;
}

declare module '../realtime' {
  interface ServerToClientEvents {
    user_update: (message: UserUpdateMessage) => void;
    presence: (message: PresenceMessage) => void;
    change_origin: (message: ChangeOriginMessage) => void;
  }

  interface ClientToServerEvents {
    subscribe: (request: SubscribeRequest, ack: (reply: SubscribeAck) => void) => void;
    change_origin: (message: ChangeOriginMessage) => void;
  }
}
