// @ts-check
/**
 * The boundary between the shared folders of src/ and the features, as ESLint
 * blocks (used by eslint.config.mjs, and by test/lint-boundaries.spec.ts to
 * prove the rule fires). One rule for every folder of src/: an import that
 * leaves the folder may only name a shared folder's index. So a shared folder
 * never imports a feature, a feature never reaches into another feature, and
 * nobody reaches past a shared folder's index into its internals. The files
 * directly in src/ (main.ts, app.module.ts, app.setup.ts, seed.ts) compose the
 * app and may import anything.
 */
const SHARED_FOLDERS = [
  'common',
  'config',
  'database',
  'events',
  'health',
  'observability',
  'rate-limit',
  'realtime',
  'security',
];

const MESSAGE =
  "Outside its own folder, code in src/ imports only a shared folder's index (" +
  SHARED_FOLDERS.map((name) => `../${name}`).join(', ') +
  '): shared folders never import a feature, and a feature never imports another one.';

/** Files `depth` folders below src/ leave their top-level folder with `depth` times `../`. */
function blockAtDepth(depth) {
  return {
    files: [`src/*/${'*/'.repeat(depth - 1)}*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: `^(\\.\\./){${depth}}(?!(${SHARED_FOLDERS.join('|')})$)`, message: MESSAGE }] },
      ],
    },
  };
}

module.exports = { SHARED_FOLDERS, boundaryBlocks: [1, 2, 3, 4].map(blockAtDepth) };
