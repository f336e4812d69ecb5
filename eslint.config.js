// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * The layers of functions/ and which way imports go (functions/ports/README.md has the table):
 * model ← ports ← core ← adapters, config ← app ← api ← handlers, inner first. functions/local
 * is the laptop runtime around them all: nothing deployed (functions/**, infra/**) imports it.
 * Each block names every folder its files must not import: for one file, a later block's
 * no-restricted-imports replaces an earlier one's, so nothing is inherited.
 * test/unit/layer-rules.test.ts lints a violation of each.
 */
const NO_AWS = {
  group: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*'],
  message: 'The inner layers have no AWS imports: add a port, and an adapter behind it.',
};
const NOT_LOCAL = {
  group: ['**/local/**'],
  message: 'functions/local is the laptop runtime: nothing deployed imports it.',
};
/** @param {string[]} folders @param {string} message */
const folders = (folders, message) => ({ group: folders.map((folder) => `**/${folder}/**`), message });
/** @param {string[]} files @param {object[]} patterns */
const layer = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

const layerRules = [
  layer(
    ['functions/model/**/*.ts'],
    [
      NO_AWS,
      folders(
        ['core', 'ports', 'adapters', 'config', 'app', 'api', 'handlers'],
        'functions/model holds plain records: it imports nothing of ours but other records.',
      ),
      NOT_LOCAL,
    ],
  ),
  layer(
    ['functions/ports/**/*.ts'],
    [
      NO_AWS,
      folders(
        ['core', 'adapters', 'config', 'app', 'api', 'handlers'],
        'functions/ports speak in functions/model records: a port never imports core or what implements it.',
      ),
      NOT_LOCAL,
    ],
  ),
  layer(
    ['functions/core/**/*.ts'],
    [
      NO_AWS,
      folders(
        ['adapters', 'config', 'app', 'api', 'handlers'],
        'functions/core depends on model and ports only: its rules are testable without stand-ins.',
      ),
      NOT_LOCAL,
    ],
  ),
  layer(
    ['functions/adapters/**/*.ts', 'functions/config/**/*.ts'],
    [
      folders(
        ['app', 'api', 'handlers'],
        'Adapters and config are wired by functions/app; they never reach out to it.',
      ),
      NOT_LOCAL,
    ],
  ),
  layer(
    ['functions/app/**/*.ts'],
    [
      folders(
        ['api', 'handlers'],
        'functions/app is the wiring the API and the handlers use, not the other way.',
      ),
      NOT_LOCAL,
    ],
  ),
  layer(
    ['functions/api/**/*.ts'],
    [
      folders(
        ['adapters'],
        "The API reaches storage and mail through the app's wiring (functions/app), never an adapter.",
      ),
      folders(['handlers'], 'The API does not know which Lambda runs it.'),
      NOT_LOCAL,
    ],
  ),
  layer(
    ['functions/handlers/**/*.ts'],
    [
      {
        regex: '/api/(?!app\\.ts$)',
        message: 'A handler takes the API whole (functions/api/app.ts), not its parts.',
      },
      NOT_LOCAL,
    ],
  ),
  layer(['infra/**/*.ts'], [NOT_LOCAL]),
];

export default tseslint.config(
  { ignores: ['node_modules', '.data', 'cdk.out', 'coverage', 'test-results'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // Ports are async by contract; an in-memory implementation has nothing to await.
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // vitest's asymmetric matchers (expect.any, expect.stringMatching) are typed any.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  ...layerRules,
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  prettier,
);
