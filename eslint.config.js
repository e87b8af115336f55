// Lint: typescript-eslint's recommended rules plus the layer rule of docs/architecture.md
// (model/ and render/ never import surfaces or the dataplane).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'web/dist/**', '.podnet/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/model/**', 'src/render/**', 'src/api/**', 'src/controllers/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: ['**/cli/**', '**/server/**', '**/dataplane/**', '**/cli', '**/server', '**/dataplane'],
          message: 'Bad layering: arrows point down only (docs/architecture.md).',
        }],
      }],
    },
  },
  {
    // The browser never re-derives semantics: it may import types from src/, never code (docs/ui.md).
    files: ['web/src/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/src/**'], allowTypeImports: true, message: 'web/ asks the JSON API; import only types from src/.' }],
      }],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
