import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

export interface SeedOptions {
  /** Seed only what is still empty. */
  ifEmpty: boolean;
}

/**
 * A feature's sample data. Extend this in the feature's folder and list the
 * class among the module's providers: `npm run seed` finds it there.
 */
export abstract class Seeder {
  /** Seeds, and says what it did in one line. */
  abstract seed(options: SeedOptions): Promise<string>;
}

/** Runs every Seeder the app's modules provide. */
@Injectable()
export class SeedRunner {
  constructor(private readonly discovery: DiscoveryService) {}

  /** One line per seeder: its name and what it did. */
  async run(options: SeedOptions): Promise<string[]> {
    const seeders = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is Seeder => instance instanceof Seeder);
    const lines: string[] = [];
    for (const seeder of seeders) lines.push(`${seeder.constructor.name}: ${await seeder.seed(options)}`);
    return lines;
  }
}
