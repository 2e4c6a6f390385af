import {describe, expect, it} from 'vitest';

import {describePerson, formatDuration, formatPhone, formatRemaining, isSearchable} from '../src/format';
import en from '../src/i18n/en.json';
import {normalizeLocale, registryTranslations, translate} from '../src/i18n';
import ptBR from '../src/i18n/pt-BR.json';

describe('describePerson', () => {
    it('joins name, formatted phone and email, skipping what is missing', () => {
        expect(describePerson({name: 'Mariana Souza', phone: '5511912345678', email: 'mariana@example.com'})).toBe('Mariana Souza · +55 11 91234-5678 · mariana@example.com');
        expect(describePerson({name: 'Carlos', email: ''})).toBe('Carlos');
    });
});

describe('formatPhone', () => {
    it.each([
        ['5511987654321', '+55 11 98765-4321'],
        ['+55 11 98765-4321', '+55 11 98765-4321'],
        ['551134567890', '+55 11 3456-7890'],
        ['14155550100', '+1 415 555 0100'],
        ['447911123456', '+44 791 112 3456'],
        ['351912345678', '+351 912 345 678'],
        ['4915112345678', '+49 151 1234 5678'],
        ['33612345678', '+33 612 345 678'],
        ['8613912345678', '+86 139 1234 5678'],
        ['2348031234567', '+234 803 123 4567'],
        ['', ''],
        ['unknown', 'unknown'],
        ['123', '123'],
    ])('%s -> %s', (raw, want) => {
        expect(formatPhone(raw)).toBe(want);
    });
});

describe('durations', () => {
    it('formats elapsed time', () => {
        expect(formatDuration(0)).toBe('0:00');
        expect(formatDuration(-5000)).toBe('0:00');
        expect(formatDuration(65_000)).toBe('1:05');
        expect(formatDuration(3_725_000)).toBe('1:02:05');
        expect(formatDuration(2 * 86_400_000 + 3_725_000)).toBe('2d 01:02:05');
    });

    it('formats time left', () => {
        expect(formatRemaining(23 * 3_600_000 + 5 * 60_000)).toBe('23h 05m');
        expect(formatRemaining(12 * 60_000 + 30_000)).toBe('12m 30s');
        expect(formatRemaining(45_000)).toBe('45s');
    });
});

describe('i18n', () => {
    it('has every English message in Brazilian Portuguese', () => {
        expect(Object.keys(ptBR).sort()).toEqual(Object.keys(en).sort());
        for (const [key, value] of Object.entries(ptBR)) {
            expect(value, key).not.toBe('');
            const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
            expect(placeholders(value), key).toEqual(placeholders(en[key as keyof typeof en]));
        }
    });

    it('uses the article terms', () => {
        expect(translate('pt-BR', 'conversation.attend')).toBe('Atender');
        expect(translate('pt-BR', 'conversation.close')).toBe('Encerrar chat');
        expect(translate('pt-BR', 'section.waiting')).toBe('Conversas aguardando atendimento');
        expect(translate('pt-BR', 'section.active')).toBe('Conversas em atendimento');
        expect(translate('pt-BR', 'col.origin')).toBe('Origem');
        expect(translate('pt-BR', 'customer.createNew')).toBe('Criar uma nova pessoa');
    });

    it('maps Mattermost locales', () => {
        expect(normalizeLocale('pt-BR')).toBe('pt-BR');
        expect(normalizeLocale('pt_BR')).toBe('pt-BR');
        expect(normalizeLocale('pt')).toBe('pt-BR');
        expect(normalizeLocale('en-AU')).toBe('en');
        expect(normalizeLocale('de')).toBe('en');
        expect(normalizeLocale('')).toBe('en');
        expect(normalizeLocale(undefined)).toBe('en');
    });

    it('fills placeholders and prefixes registry ids', () => {
        expect(translate('en', 'credits.balance', {balance: 5})).toBe('5 credits');
        expect(registryTranslations('pt-BR')['whatsapp-helpdesk.conversation.attend']).toBe('Atender');
        expect(registryTranslations('fr')['whatsapp-helpdesk.conversation.attend']).toBe('Attend');
    });
});

describe('isSearchable', () => {
    it('follows the server: 2 characters, or 4 digits for a phone number', () => {
        expect(isSearchable('')).toBe(false);
        expect(isSearchable('a')).toBe(false);
        expect(isSearchable('Ma')).toBe(true);
        expect(isSearchable('11')).toBe(false);
        expect(isSearchable('+55 1')).toBe(false);
        expect(isSearchable('1199')).toBe(true);
        expect(isSearchable('a1')).toBe(true);
    });
});
