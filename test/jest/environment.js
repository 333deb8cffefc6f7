/**
 * Jest's node environment, plus: every child process a test file starts
 * (test/helpers/processes.ts) is killed when that file ends, whatever its
 * tests and hooks did, so a failed start or a forgotten stop cannot leave a
 * redis-server or a server process running into the next file.
 *
 * Why an environment: a test file runs in a sandbox whose `process` is a
 * copy, and `process.on('exit')` registered there never fires. The
 * environment runs in the worker itself; it hands the sandbox one registry
 * (a Map of child process -> label) and empties it in teardown().
 */
const { TestEnvironment } = require('jest-environment-node');

const REGISTRY = Symbol.for('realtime-users.test-processes');

class ProcessCleaningEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    this.children = new Map();
    this.global[REGISTRY] = this.children;
  }

  async teardown() {
    const left = [...this.children];
    this.children.clear();
    if (left.length > 0) {
      process.stderr.write(
        `[test processes] ${this.testPath} left ${left.map(([child, label]) => `${label} (pid ${child.pid})`).join(', ')} running; killed\n`,
      );
      await Promise.all(left.map(([child]) => killAndWait(child)));
    }
    await super.teardown();
  }
}

function killAndWait(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGKILL');
  });
}

module.exports = ProcessCleaningEnvironment;
