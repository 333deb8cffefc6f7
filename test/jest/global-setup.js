/**
 * Tests that start the built server as a process (test/helpers/server-process.ts)
 * start it from a copy of dist/ made here, once per Jest run, not from dist/
 * itself: `npm run build` deletes dist/ first (nest's deleteOutDir), so a
 * build run by hand or by another suite while these tests run would make
 * every server started meanwhile fail with "Cannot find module". The copy
 * sits in a temporary folder beside links to this checkout's node_modules/
 * and static/ and a copy of package.json (the server finds its root by
 * package.json and serves static/ from there); global-teardown.js removes it.
 * Chosen over building to a temporary folder and swapping it in: it works
 * whoever builds and however (nest build, tsc, start:dev), and touches no
 * build script.
 *
 * What it cannot help: a build still running when the test run starts may
 * leave a partial dist/ to copy. `npm test` builds first, so that is the case
 * only for a bare `npx jest` started beside a build.
 */
const { cpSync, existsSync, mkdtempSync, copyFileSync, symlinkSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');

module.exports = function copyBuiltServer() {
  // Without a build there is nothing to copy; the helper says to run `npm run build`.
  if (!existsSync(join(ROOT, 'dist', 'src', 'main.js'))) return;
  const copy = mkdtempSync(join(tmpdir(), 'realtime-users-dist-'));
  cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  symlinkSync(join(ROOT, 'static'), join(copy, 'static'), 'dir');
  // Seen by the test workers, which start after this, and by global-teardown.js.
  process.env.TEST_SERVER_ROOT = copy;
};
