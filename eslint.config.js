// Lint rules. The one project-specific rule: koffi is imported in exactly one module
// (src/vulkan/ffi.ts), so every other layer works with plain, typed objects.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/driver/build/', 'reports/', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'koffi', message: 'Only src/vulkan/ffi.ts may import koffi.' }] },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        // Rest siblings: `const { dropped, ...kept } = x` is how a field is left out.
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['src/vulkan/ffi.ts', 'src/vulkan/ffi-types.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        structuredClone: 'readonly',
      },
    },
  },
);
