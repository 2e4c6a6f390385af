// ESLint for the panel: TypeScript-aware rules, React and its hooks rules.
import js from '@eslint/js';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    {ignores: ['dist/', 'node_modules/', 'test-results/']},
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ['**/*.{ts,tsx}'],
        plugins: {react, 'react-hooks': reactHooks},
        languageOptions: {globals: {...globals.browser, ...globals.node}},
        settings: {react: {version: '18'}},
        rules: {
            ...react.configs.recommended.rules,
            ...reactHooks.configs.recommended.rules,
            'react/prop-types': 'off',
            eqeqeq: ['error', 'always'],
            'no-console': ['error', {allow: ['warn', 'error']}],
            '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_'}],

            // The host's types package is for types only: a value import would bundle its code.
            '@typescript-eslint/no-restricted-imports': ['error', {patterns: [{
                group: ['@mattermost/types', '@mattermost/types/*'],
                allowTypeImports: true,
                message: 'import type only: @mattermost/types must not reach the bundle',
            }]}],
        },
    },
    {
        files: ['**/*.{js,mjs}'],
        languageOptions: {globals: globals.node},
    },
    {
        // The browser test passes functions to page.evaluate, which run in the page.
        files: ['e2e/**'],
        languageOptions: {globals: {...globals.node, ...globals.browser}},
    },
);
