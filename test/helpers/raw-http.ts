import { connect, Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting to the server closing the connection. */
  closedAfterMs: number;
}

/**
 * Sends bytes as they are, for what an HTTP client library refuses to send
 * (malformed requests, huge headers, slow bodies), and reads the answer up
 * to the server closing the connection. `write` may send the request in
 * pieces, over time; it gets the socket and a signal that the server closed it.
 */
export function rawRequest(
  url: string,
  write: string | Buffer | ((socket: Socket, closed: () => boolean) => Promise<void>),
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let closed = false;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      resolve({ ...parseResponse(Buffer.concat(chunks).toString('latin1')), closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => {
      if (typeof write !== 'function') {
        socket.write(write);
        return;
      }
      write(socket, () => closed).catch(reject);
    });
  });
}

function parseResponse(text: string): Omit<RawResponse, 'closedAfterMs'> {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, headers: {}, body: text };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}
