import WebSocket from 'ws';

function textOf(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export interface LeanSocketHandlers {
  onEvent(name: string, payload: unknown): void;
  /** A frame that is not valid engine.io / socket.io v5 text. */
  onMalformed(frame: string): void;
  /** The current connection closed (not called for one dropped with drop()). */
  onClose(): void;
  /** The server's socket.io connect `40`: called before any event of that connection is handled. */
  onConnect?(): void;
}

/**
 * A socket.io client reduced to what the bench needs, so a thousand of them
 * cost the generator little: one WebSocket speaking engine.io v4 / socket.io
 * v5 text frames (open `0{…}`, connect `40`, ping `2` / pong `3`, events
 * `42["name",payload]`). No automatic reconnection, no acks, no binary; the
 * caller may drop the connection and reconnect with another URL (a new
 * handshake query), and nothing of a dropped connection is delivered after.
 */
export class LeanSocket {
  private ws!: WebSocket;
  /** Bumped by every drop and reconnect: events of an older WebSocket are ignored. */
  private generation = 0;
  private connected = false;
  private closed = false;
  private settle?: (error?: Error) => void;

  constructor(
    url: string,
    private readonly handlers: LeanSocketHandlers,
  ) {
    this.open(url);
  }

  get isOpen(): boolean {
    return this.connected && !this.closed;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves on the server's `40{"sid":…}`, rejects on connect_error, close or timeout. */
  ready(timeoutMs: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no socket.io connect within ${timeoutMs} ms`)), timeoutMs);
      this.settle = (error) => {
        clearTimeout(timer);
        this.settle = undefined;
        if (error) reject(error);
        else resolve();
      };
    });
  }

  /** A closing handshake, as a browser tab that closes sends. */
  close(): void {
    if (!this.closed) this.ws.close(1000);
  }

  terminate(): void {
    this.ws.terminate();
  }

  /**
   * Drops the connection abruptly, as a lost network or a killed tab does: no
   * close frame, and nothing more of this connection is delivered, not even
   * frames already received but not yet handled.
   */
  drop(): void {
    this.generation += 1;
    this.connected = false;
    this.closed = true;
    this.fail(new Error('dropped'));
    this.ws.terminate();
  }

  /**
   * A new connection on the same handlers, to `url` (its handshake query may
   * differ from the last one's); drops the current one first if it is still
   * open. Resolves on the server's `40`, like ready().
   */
  reconnect(url: string, timeoutMs: number): Promise<void> {
    if (!this.closed) this.drop();
    this.open(url);
    return this.ready(timeoutMs);
  }

  private open(url: string): void {
    this.generation += 1;
    const generation = this.generation;
    const current = (): boolean => generation === this.generation;
    this.connected = false;
    this.closed = false;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws = ws;
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (current()) this.receive(data, isBinary);
    });
    ws.on('error', (error: Error) => {
      if (current()) this.fail(error);
    });
    ws.on('close', () => {
      if (!current()) return;
      this.closed = true;
      this.fail(new Error('closed before the socket.io connect'));
      this.handlers.onClose();
    });
  }

  private fail(error: Error): void {
    this.settle?.(error);
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    const frame = isBinary ? '' : textOf(data);
    switch (frame[0]) {
      case '0':
        this.ws.send('40');
        return;
      case '2':
        this.ws.send('3');
        return;
      case '4':
        this.receivePacket(frame);
        return;
      case '1':
        this.ws.close(1000);
        return;
      default:
        this.handlers.onMalformed(frame.slice(0, 200));
    }
  }

  private receivePacket(frame: string): void {
    switch (frame[1]) {
      case '2':
        this.receiveEvent(frame);
        return;
      case '0':
        this.connected = true;
        this.handlers.onConnect?.();
        this.settle?.();
        return;
      case '4':
        this.fail(new Error(`connect_error ${frame.slice(2, 200)}`));
        this.ws.terminate();
        return;
      case '1':
        this.ws.close(1000);
        return;
      default:
        this.handlers.onMalformed(frame.slice(0, 200));
    }
  }

  private receiveEvent(frame: string): void {
    // `42[…]` on the default namespace; an ack id would sit between `42` and `[`.
    const start = frame.indexOf('[');
    let packet: unknown;
    try {
      packet = start === -1 ? undefined : JSON.parse(frame.slice(start));
    } catch {
      packet = undefined;
    }
    if (!Array.isArray(packet) || typeof packet[0] !== 'string') {
      this.handlers.onMalformed(frame.slice(0, 200));
      return;
    }
    this.handlers.onEvent(packet[0], packet[1]);
  }
}
