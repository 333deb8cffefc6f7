/**
 * Unit specs live beside the code; e2e specs (real HTTP, sockets, processes,
 * browsers) in test/.
 *
 * NestJS 12 ships as ES modules only. Node runs them through require(esm),
 * but Jest's module loader (before Node 24.9) cannot, so Jest compiles those
 * packages to CommonJS with Babel; our TypeScript goes through ts-jest.
 */
const ESM_PACKAGES = [
  '@nestjs',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  'uint8array-extras',
  '@borewit',
  'load-esm',
  'jose',
];

const shared = {
  // Node's, plus: child processes a test file left running are killed when it ends.
  testEnvironment: '<rootDir>/test/jest/environment.js',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
    '^.+\\.js$': [
      'babel-jest',
      {
        babelrc: false,
        configFile: false,
        plugins: [
          require.resolve('./test/jest/import-meta-to-cjs.js'),
          '@babel/plugin-transform-dynamic-import',
          '@babel/plugin-transform-modules-commonjs',
        ],
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
};

/** @type {import('jest').Config} */
module.exports = {
  // Whole apps, processes and browsers start inside tests; each wait has its own deadline.
  testTimeout: 60_000,
  // Server processes start from a copy of dist/ made once per run, so a build meanwhile cannot break them.
  globalSetup: '<rootDir>/test/jest/global-setup.js',
  globalTeardown: '<rootDir>/test/jest/global-teardown.js',
  projects: [
    // test/static: the windows' modules (static/*.js, ES modules compiled by the Babel transform above), in Node.
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/static/**/*.spec.js'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
