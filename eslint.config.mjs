// ESLint flat config: typescript-eslint's type-aware recommended rules on every TypeScript file
// of the project (tsconfig.json's include), run by `npm test` (scripts/test.sh) with zero
// warnings allowed; `npm run lint -- --fix` applies the automatic fixes.
// https://typescript-eslint.io/getting-started/typed-linting
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Generated or third-party: build output, synth output, local run state, scratch files.
    ignores: ['node_modules/', 'cdktf.out/', 'cdktf.out.hcl/', '.build/', '.local/', 'coverage/', 'dist/', 'bench/out/', '.scratch/', 'terraform-state/'],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    // A disable comment that no longer silences anything is an error: it must go.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_event`, `_context`: an unused parameter kept for its position says so with a leading
      // underscore (tsc's noUnusedParameters has the same convention).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['__tests__/**/*.ts'],
    rules: {
      // Tests read synthesized Terraform JSON (cdk.tf.json) and IAM documents, which are `any` by
      // nature: __tests__/helpers/synth.ts types blocks as Record<string, any>, as the cdktf
      // matchers do. Typing every block the 1,100 tests touch would be a rewrite that buys no
      // safety (a wrong key fails the assertion anyway). Production code keeps these rules.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // `mockImplementation(async () => value)` is how a stand-in for an async SDK call or
      // handler is written; an `await` inside would be noise.
      '@typescript-eslint/require-await': 'off',
      // jest.isolateModules takes a synchronous callback, so a module loaded fresh inside it is
      // require()d (import() is asynchronous); CommonJS packages without type declarations
      // (asl-validator, s3rver, dynalite, m3u8-parser) are required with a typed cast.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // This file and jest's CommonJS configs are plain JavaScript outside tsconfig.json.
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    // jest's configs are CommonJS: require() is how they load each other.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
);
