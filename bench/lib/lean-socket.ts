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
  onClose(): void;
}

/**
 * A socket.io client reduced to what the bench needs, so a thousand of them
 * cost the generator little: one WebSocket speaking engine.io v4 / socket.io
 * v5 text frames (open `0{…}`, connect `40`, ping `2` / pong `3`, events
 * `42["name",payload]`). No reconnection, no acks, no binary.
 */
export class LeanSocket {
  private readonly ws: WebSocket;
  private connected = false;
  private closed = false;
  private settle?: (error?: Error) => void;

  constructor(
    url: string,
    private readonly handlers: LeanSocketHandlers,
  ) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.receive(data, isBinary));
    this.ws.on('error', (error: Error) => this.fail(error));
    this.ws.on('close', () => {
      this.closed = true;
      this.fail(new Error('closed before the socket.io connect'));
      this.handlers.onClose();
    });
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
