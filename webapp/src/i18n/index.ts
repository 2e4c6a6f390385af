// Webapp strings. Components translate with the locale of the Mattermost user (read from the
// host store); the same messages are also registered with the host under "whatsapp-helpdesk.*".
import {PLUGIN_ID} from '../manifest';

import en from './en.json';
import ptBR from './pt-BR.json';

export type MessageKey = keyof typeof en;
export type Locale = 'en' | 'pt-BR';
export type Messages = Record<MessageKey, string>;

const catalogs: Record<Locale, Messages> = {
    en,
    'pt-BR': ptBR,
};

export const LOCALES = Object.keys(catalogs) as Locale[];

/** Maps a Mattermost locale ('pt-BR', 'pt_BR', 'pt', 'en-AU', ...) to a supported one. */
export function normalizeLocale(locale: string | undefined | null): Locale {
    const l = (locale || '').toLowerCase().replace('_', '-');
    if (l === 'pt' || l.startsWith('pt-')) {
        return 'pt-BR';
    }
    return 'en';
}

export function messagesFor(locale: Locale): Messages {
    return catalogs[locale];
}

export type Values = Record<string, string | number>;

/** Looks a message up and fills its {placeholders}. */
export function translate(locale: Locale, key: MessageKey, values?: Values): string {
    const template = catalogs[locale][key] ?? catalogs.en[key] ?? key;
    if (!values) {
        return template;
    }
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export type Translate = (key: MessageKey, values?: Values) => string;

/** For registry.registerTranslations: ids prefixed with the plugin id. */
export function registryTranslations(locale: string): Record<string, string> {
    const messages = messagesFor(normalizeLocale(locale));
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(messages)) {
        out[`${PLUGIN_ID}.${key}`] = value;
    }
    return out;
}
