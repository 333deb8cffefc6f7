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
  /** The change's sequence number (see GET /api/changes): every change of every user, in commit order, without gaps. */
  seq: number;
  /** Who made the change: the X-Changed-By label of the write, or null. */
  by: string | null;
}

/** How many windows are viewing a user, across every instance. */
export interface PresenceMessage {
  user_id: number;
  count: number;
}

/**
 * Follow one user (its updates, plus every create and delete), or null for
 * everything. With a position, the server first replays what the client
 * missed since then: `version` (the version of the user it shows) when
 * following one user, `since` (the last seq it saw) when following everything.
 * The same can be named in the handshake query: user_id, version, since.
 */
export interface SubscribeRequest {
  user_id: number | null;
  version?: number;
  since?: number;
}

export interface SubscribeAck {
  user_id: number | null;
  /** With a position: whether the replay was complete (false: fetch again). */
  recovered?: boolean;
}

/** A `subscribe` the server refused; the subscription is unchanged. An `exception` event says the same. */
export interface SubscribeRefusal {
  error: string;
}

/**
 * Ends a replay: the `user_update` events the client missed were sent just
 * before it, oldest first, before any live event, with no duplicate and no
 * gap. recovered: false when the history no longer reaches back that far (or
 * the position is not one the server knows): the client fetches again.
 */
export interface RecoveryMessage {
  user_id: number | null;
  recovered: boolean;
  /** How many user_update events the replay sent. */
  replayed: number;
}

/**
 * Sent every few seconds by the instance a client is connected to: the latest
 * change it knows of. A client behind it missed something (a publish lost
 * between instances) and replays: a window compares `version` with the
 * version it shows, a client following everything compares `seq`.
 */
export interface HeadMessage {
  seq: number;
  user_id?: number;
  version?: number;
}

declare module '../realtime' {
  interface ServerToClientEvents {
    user_update: (message: UserUpdateMessage) => void;
    presence: (message: PresenceMessage) => void;
    recovery: (message: RecoveryMessage) => void;
    head: (message: HeadMessage) => void;
  }

  interface ClientToServerEvents {
    subscribe: (request: SubscribeRequest, ack: (reply: SubscribeAck | SubscribeRefusal) => void) => void;
  }
}
