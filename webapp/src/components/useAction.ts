import {useCallback, useState} from 'react';

import {errorMessage} from '../helpdesk';

/** What a form shows around its calls to the server: busy while one runs, and the message of
 * the error the last one ended with (or one the form set itself, say for a field left empty). */
export interface Action {
    busy: boolean;
    error: string;
    setError: (message: string) => void;

    /** Runs call with busy set and the error cleared; a failure becomes the error, and onError
     * sees it too (to offer a way out, say). */
    run: (call: () => Promise<void>, onError?: (err: unknown) => void) => Promise<void>;
}

export function useAction(): Action {
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState('');
    const run = useCallback(async (call: () => Promise<void>, onError?: (err: unknown) => void) => {
        setBusy(true);
        setError('');
        try {
            await call();
        } catch (err) {
            setError(errorMessage(err));
            onError?.(err);
        } finally {
            setBusy(false);
        }
    }, []);
    return {busy, error, setError, run};
}
