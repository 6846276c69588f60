// Three tiers, one config: unit specs beside the code, integration and end-to-end
// specs under test/. Each tier is a jest "project" so `--selectProjects` picks one.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const libs = [
  'buildroot',
  'config',
  'container',
  'contracts',
  'koji',
  'messaging',
  'observability',
  'redis',
  'runtime',
];
const moduleNameMapper = Object.fromEntries(
  libs.flatMap((lib) => [
    [`^@koji-farm/${lib}$`, `<rootDir>/libs/${lib}/src`],
    [`^@koji-farm/${lib}/(.*)$`, `<rootDir>/libs/${lib}/src/$1`],
  ]),
);

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/test/**/*.spec.ts',
        '<rootDir>/tools/**/*.spec.ts',
      ],
    },
    {
      ...common,
      displayName: 'integration',
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout-integration.ts'],
      testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      // Fault scenarios that take minutes (test/reliability/*.rel-spec.ts): `npm run
      // test:reliability` runs them with the quick ones of the integration tier.
      ...common,
      displayName: 'reliability',
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout-reliability.ts'],
      testMatch: ['<rootDir>/test/reliability/**/*.rel-spec.ts'],
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout-e2e.ts'],
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
