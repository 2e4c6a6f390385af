import '@testing-library/jest-dom/vitest';
import {cleanup} from '@testing-library/react';
import {afterEach, vi} from 'vitest';

afterEach(() => {
    vi.useRealTimers();
    if (typeof document === 'undefined') {
        return; // node-environment tests (the build check)
    }
    cleanup();
    document.cookie.split(';').forEach((c) => {
        const name = c.split('=')[0].trim();
        if (name) {
            document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
        }
    });
    delete window.WebappUtils;
    delete window.basename;
});
