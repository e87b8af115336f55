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
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
