import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { RealtimeAdmission } from './admission';
import { RealtimeTopics } from './realtime-topics';
import { SocketAuthentication } from './socket-auth';
import type { RealtimeServer, RealtimeSocket } from './index';

/**
 * socket.io on the HTTP port, default namespace: puts each client in the room
 * of the topic it follows and keeps presence counts. What a client may send
 * is each feature's own gateway (e.g. src/users/users.gateway.ts). Knows
 * nothing of HTTP or the database; fan-out across instances is the adapter's
 * job (see app.setup.ts).
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly topics: RealtimeTopics,
    private readonly auth: SocketAuthentication,
    private readonly admission: RealtimeAdmission,
  ) {}

  afterInit(server: RealtimeServer): void {
    server.use(this.auth.admit);
    this.topics.attach(server);
    this.admission.attach(server);
  }

  handleConnection(socket: RealtimeSocket): void {
    this.auth.watchExpiry(socket);
    this.topics.connected(socket);
  }

  handleDisconnect(socket: RealtimeSocket): void {
    this.topics.disconnected(socket);
  }
}
