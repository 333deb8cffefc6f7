import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type {
  ChurnSettings,
  CloseReply,
  CollectReply,
  ConnectReply,
  ConnectTarget,
  ResumeReport,
  WorkerCommand,
  WorkerReply,
  WorkerStatus,
} from './worker-protocol';

type Command = WorkerCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

export interface PoolStatus extends WorkerStatus {
  /** Per worker, for the rare check that needs it. */
  workers: number;
}

export interface Collected {
  /** Per worker: global client indices and their arrival-time matrix. */
  parts: CollectReply[];
}

/**
 * The subscriber threads. Clients are dealt to workers in contiguous slices,
 * so each worker holds about the same number of sockets.
 */
export class SubscriberPool {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on('message', (reply: WorkerReply) => this.settle(reply));
      worker.on('error', (error: Error) => this.failAll(error));
    }
  }

  static start(count: number): SubscriberPool {
    const file = join(__dirname, 'subscriber-worker.js');
    return new SubscriberPool(Array.from({ length: Math.max(1, count) }, () => new Worker(file)));
  }

  async connect(targets: ConnectTarget[], concurrency: number, timeoutMs: number): Promise<ConnectReply> {
    const slices = this.deal(targets);
    const replies = await Promise.all(
      this.workers.map((worker, i) =>
        this.request<ConnectReply>(worker, {
          type: 'connect',
          targets: slices[i],
          concurrency: Math.ceil(concurrency / this.workers.length),
          timeoutMs,
        }),
      ),
    );
    return {
      opened: replies.reduce((sum, reply) => sum + reply.opened, 0),
      failed: replies.reduce((sum, reply) => sum + reply.failed, 0),
      errors: replies.flatMap((reply) => reply.errors).slice(0, 5),
    };
  }

  async status(expectCount: number | null = null): Promise<PoolStatus> {
    const parts = await this.all<WorkerStatus>({ type: 'status', expectCount });
    const total: PoolStatus = { ...parts[0], presence: {}, errors: [], workers: parts.length, lastPresenceAt: 0 };
    const summed = [
      'clients',
      'open',
      'closed',
      'userUpdates',
      'received',
      'presenceAtCount',
      'malformed',
      'duplicates',
      'unmatched',
      'outOfOrder',
      'wrongUser',
    ] as const;
    for (const key of summed) total[key] = parts.reduce((sum, part) => sum + part[key], 0);
    for (const part of parts) {
      for (const [name, count] of Object.entries(part.presence)) total.presence[name] = (total.presence[name] ?? 0) + count;
      total.lastPresenceAt = Math.max(total.lastPresenceAt, part.lastPresenceAt);
      total.errors.push(...part.errors);
    }
    total.errors = total.errors.slice(0, 5);
    return total;
  }

  async arm(token: string, capacity: number): Promise<void> {
    await this.all({ type: 'arm', token, capacity });
  }

  async collect(): Promise<Collected> {
    return { parts: await this.all<CollectReply>({ type: 'collect' }) };
  }

  async phase(name: string): Promise<void> {
    await this.all({ type: 'phase', name });
  }

  async closeAll(timeoutMs: number): Promise<CloseReply> {
    const parts = await this.all<CloseReply>({ type: 'close-all', timeoutMs });
    return { closed: parts.reduce((sum, p) => sum + p.closed, 0), forced: parts.reduce((sum, p) => sum + p.forced, 0) };
  }

  /** The reconnect scenario: every client shows startVersion and applies versions in order from now on. */
  async followVersions(token: string, capacity: number, startVersion: number): Promise<void> {
    await this.all({ type: 'follow-versions', token, capacity, startVersion });
  }

  async churn(settings: ChurnSettings): Promise<void> {
    await this.all({ type: 'churn', settings });
  }

  async stopChurn(): Promise<void> {
    await this.all({ type: 'churn-stop' });
  }

  /** Every thread's reconnect counts, summed; recovery times pooled. */
  async resumeReport(finalVersion: number, patchOfVersion?: number[]): Promise<ResumeReport> {
    const parts = await this.all<ResumeReport>({ type: 'resume-report', finalVersion, patchOfVersion });
    const total: ResumeReport = {
      ...parts[0],
      recoveryMs: parts.flatMap((part) => part.recoveryMs),
      errors: parts.flatMap((part) => part.errors).slice(0, 5),
    };
    for (const [key, value] of Object.entries(parts[0])) {
      if (typeof value !== 'number') continue;
      (total as unknown as Record<string, number>)[key] = parts.reduce(
        (sum, part) => sum + (part as unknown as Record<string, number>)[key],
        0,
      );
    }
    return total;
  }

  /** Closes every socket and forgets every client and counter, ready for the next run. */
  async reset(): Promise<void> {
    await this.all({ type: 'reset' });
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private deal(targets: ConnectTarget[]): ConnectTarget[][] {
    const size = Math.ceil(targets.length / this.workers.length);
    return this.workers.map((_, i) => targets.slice(i * size, (i + 1) * size));
  }

  private all<T>(command: Command): Promise<T[]> {
    return Promise.all(this.workers.map((worker) => this.request<T>(worker, command)));
  }

  private request<T>(worker: Worker, command: Command): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (value) => resolve(value as T), reject });
      worker.postMessage({ ...command, id });
    });
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(new Error(reply.error));
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
