import { Injectable, Logger } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';

interface Down {
  since: number;
}

/**
 * What the health checks found, logged once per change of state: one warning
 * when a dependency goes down, one line when it is back, however often load
 * balancers probe in between (Terminus' own logger, which prints every failed
 * probe, is off).
 */
@Injectable()
export class HealthStateLog {
  private readonly logger = new Logger('Health');
  private readonly down = new Map<string, Down>();

  record(details: HealthIndicatorResult): void {
    const now = Date.now();
    for (const [name, result] of Object.entries(details)) {
      const wasDown = this.down.get(name);
      if (result.status === 'down' && !wasDown) {
        this.down.set(name, { since: now });
        const reason = typeof result.message === 'string' ? `: ${result.message}` : '';
        this.logger.warn(`${name} is down${reason}`);
      } else if (result.status === 'up' && wasDown) {
        this.down.delete(name);
        this.logger.log(`${name} is up again after ${now - wasDown.since} ms`);
      }
    }
  }
}
