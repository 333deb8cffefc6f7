import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found from this file whether it runs from bench/ or from dist/bench/. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bench'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root above the bench');
    dir = parent;
  }
  return dir;
}
