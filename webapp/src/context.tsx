import React, {createContext, useCallback, useContext, useEffect, useState, useSyncExternalStore} from 'react';

import type {Helpdesk} from './helpdesk';
import {translate, type MessageKey, type Translate, type Values} from './i18n';
import type {State} from './store';

const HelpdeskContext = createContext<Helpdesk | null>(null);

export function HelpdeskProvider({helpdesk, children}: {helpdesk: Helpdesk; children?: React.ReactNode}) {
    return <HelpdeskContext.Provider value={helpdesk}>{children}</HelpdeskContext.Provider>;
}

export function useHelpdesk(): Helpdesk {
    const helpdesk = useContext(HelpdeskContext);
    if (!helpdesk) {
        throw new Error('useHelpdesk outside HelpdeskProvider');
    }
    return helpdesk;
}

export function usePluginState(): State {
    const {store} = useHelpdesk();
    return useSyncExternalStore(store.subscribe, store.getState);
}

export function useT(): Translate {
    const {locale} = usePluginState();
    return useCallback((key: MessageKey, values?: Values) => translate(locale, key, values), [locale]);
}

/** The current time, re-rendered every `intervalMs` (1 s): drives the ticking clocks. */
export function useNow(intervalMs = 1000): number {
    const [now, setNow] = useState(() => Date.now());
    useEffect(() => {
        const timer = setInterval(() => setNow(Date.now()), intervalMs);
        return () => clearInterval(timer);
    }, [intervalMs]);
    return now;
}
