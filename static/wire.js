// @ts-check
/*
 * What the windows exchange with the server, as the server declares it: the
 * user JSON (src/users/user.response.ts) and the socket.io event map
 * (src/realtime/index.ts, extended by src/users/users.wire.ts). Types only:
 * nothing here runs, and no page loads this file. A payload or event name
 * that drifts from the server's declarations fails `npm run typecheck`.
 */

/** @typedef {import('../src/users/user.response').UserResponse} UserResponse */
/** @typedef {import('../src/users/users.wire').UserUpdateMessage} UserUpdateMessage */
/** @typedef {import('../src/users/users.wire').PresenceMessage} PresenceMessage */
/** @typedef {import('../src/users/users.wire').RecoveryMessage} RecoveryMessage */
/** @typedef {import('../src/users/users.wire').HeadMessage} HeadMessage */
/** @typedef {import('../src/users/users.wire').SubscribeRefusal} SubscribeRefusal */
/** @typedef {import('../src/users/user.response').UserChangeResponse} UserChangeResponse */
/** @typedef {import('../src/users/user-change.entity').FieldChanges} FieldChanges */
/** @typedef {import('../src/users/users.wire').SubscribeRequest} SubscribeRequest */
/** @typedef {import('../src/users/users.wire').SubscribeAck} SubscribeAck */
/** @typedef {import('../src/realtime').ServerToClientEvents} ServerToClientEvents */
/** @typedef {import('../src/realtime').ClientToServerEvents} ClientToServerEvents */

/** The socket as the windows use it: it hears ServerToClientEvents and may send ClientToServerEvents. @typedef {import('socket.io-client').Socket<ServerToClientEvents, ClientToServerEvents>} AppSocket */

/** @typedef {'first_name' | 'last_name'} NameField */
/** @typedef {Pick<UserResponse, NameField>} UserNames */

export {};
