/** Removes the copy of the built server made by global-setup.js (the links inside, not what they point to). */
const { rmSync } = require('node:fs');

module.exports = function removeBuiltServerCopy() {
  const copy = process.env.TEST_SERVER_ROOT;
  if (copy) rmSync(copy, { recursive: true, force: true });
};
