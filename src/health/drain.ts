import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { RealtimeAdmission } from '../realtime';

/**
 * This instance's way out of rotation. Once begun (on SIGTERM, see
 * graceful-shutdown.ts), GET /health/ready answers 503, new socket.io clients
 * are refused, and every HTTP response carries `Connection: close`, so
 * keep-alive clients and load balancers reconnect (elsewhere) after their
 * current request instead of sending the next one down a connection that is
 * about to close. It also counts the requests in flight, which the shutdown
 * waits for.
 */
@Injectable()
export class Drain {
  private beganAt?: number;
  private readonly inFlight = new Set<Response>();
  private idle: (() => void)[] = [];

  constructor(private readonly admission: RealtimeAdmission) {}

  get draining(): boolean {
    return this.beganAt !== undefined;
  }

  /** Starts draining; false when it had already begun. */
  begin(): boolean {
    if (this.draining) return false;
    this.beganAt = Date.now();
    this.admission.refuseNewClients();
    // Requests that arrived before the drain close their connection too, unless their answer has left:
    // otherwise a load balancer could pool that connection and send a write down it as the listener closes.
    for (const response of this.inFlight) if (!response.headersSent) response.setHeader('Connection', 'close');
    return true;
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  /** Resolves once no request is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Express middleware, installed first (configureApp). */
  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    this.inFlight.add(res);
    res.once('close', () => this.finished(res));
    if (this.draining) res.setHeader('Connection', 'close');
    next();
  };

  private finished(response: Response): void {
    this.inFlight.delete(response);
    if (this.inFlight.size > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
