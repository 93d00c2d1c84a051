// ESLint (flat config): the recommended rules of ESLint and typescript-eslint, tuned to
// this codebase. Formatting is Prettier's (.prettierrc.json): no stylistic rules here.
// Not type-aware on purpose: `npm test` runs this on every change and tsc already
// type-checks; the type-aware rules cost about 4x the time (see notes/chore-tooling).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Unused names are errors, except the ones the code marks as deliberately unused with a leading `_`. */
const unusedVars = {
  args: 'after-used',
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrors: 'all',
  caughtErrorsIgnorePattern: '^_',
  destructuredArrayIgnorePattern: '^_',
  ignoreRestSiblings: true,
};

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', '.tmp/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', unusedVars],
    },
  },
  {
    // CommonJS files (preloads run with `node --require`) load with require().
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The library and its tests print nothing: a message goes in an error or a hook, never the console.
    // The few deliberate prints of the tests (skip notices, measurements) carry an eslint-disable comment.
    files: ['src/**', 'adapters/**', 'test/**'],
    ignores: ['test/runtimes/**', 'test/package/fixtures/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // One import style (CONTRIBUTING.md, "Source layout and imports"): relative imports end in `.js`; a name used
    // only as a type is imported as one (`import type { A }`, or `type A` beside values from the same module).
    files: ['src/**/*.ts', 'adapters/**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.{1,2}/(?!.*\\.(js|json)$)',
              message: 'Relative imports name the .js file (TypeScript maps it to the .ts source).',
            },
            {
              regex: '^(\\.{1,2}/)+index\\.js$|/src/index\\.js$',
              message: 'Import from the module that defines the name, not the src/index.ts barrel.',
            },
          ],
        },
      ],
    },
  },
  {
    // Prettier wraps code at 140 columns but not strings or comments.
    files: ['src/**', 'adapters/**', 'scripts/**'],
    rules: { 'max-len': ['error', { code: 140, ignoreUrls: true }] },
  },
);
