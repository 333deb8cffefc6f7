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
  private inFlight = 0;
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
    return true;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Resolves once no request is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Express middleware, installed first (configureApp). */
  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    this.inFlight += 1;
    res.once('close', () => this.finished());
    if (this.draining) res.setHeader('Connection', 'close');
    next();
  };

  private finished(): void {
    this.inFlight -= 1;
    if (this.inFlight > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
