import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'data/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Node everywhere but web/, the browser code (tsconfig.web.json, built by scripts/build-web.mjs).
  { ignores: ['web/**'], languageOptions: { globals: { ...globals.node } } },
  { files: ['web/**'], languageOptions: { globals: { ...globals.browser } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['bench/**', 'src/cli.ts', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
