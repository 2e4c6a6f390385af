import {defineConfig} from 'vitest/config';

// Component tests run in jsdom with the same classic JSX transform the build uses
// (React is a host global in Mattermost, so `React.createElement`, not `react/jsx-runtime`).
export default defineConfig({
    oxc: {
        jsx: {runtime: 'classic'},
    },
    test: {
        environment: 'jsdom',
        setupFiles: ['./tests/setup.ts'],
        include: ['tests/**/*.test.{ts,tsx}'],
        restoreMocks: true,
    },
});
