// The ticket's customer among existing people: the current choice, a search as you type, and the
// way to a new person instead.
import React, {useEffect, useState} from 'react';

import {useHelpdesk, useT} from '../context';
import {describePerson, isSearchable} from '../format';
import {errorMessage} from '../helpdesk';
import type {Person, TicketCustomer} from '../types';

export const SEARCH_DELAY_MS = 250;

export interface CustomerPickerProps {

    /** The ticket's id: it keys the test ids and element ids. */
    ticketId: string;
    selected: TicketCustomer | null;
    onChoose(person: Person): void;
    onCreateNew(): void;

    /** A search that failed (the card shows it with the other API errors). */
    onError(message: string): void;
}

export function CustomerPicker({ticketId, selected, onChoose, onCreateNew, onError}: CustomerPickerProps) {
    const t = useT();
    const helpdesk = useHelpdesk();
    const [query, setQuery] = useState('');
    const [results, setResults] = useState<Person[] | null>(null);
    const [total, setTotal] = useState(0);
    const [searching, setSearching] = useState(false);

    useEffect(() => {
        const q = query.trim();
        if (!isSearchable(q)) {
            setResults(null);
            setSearching(false);
            return undefined;
        }
        let cancelled = false;
        const timer = setTimeout(async () => {
            setSearching(true);
            try {
                const found = await helpdesk.client.searchPeople(q);
                if (!cancelled) {
                    setResults(found.items);
                    setTotal(found.total);
                }
            } catch (err) {
                if (!cancelled) {
                    setResults([]);
                    onError(errorMessage(err));
                }
            } finally {
                if (!cancelled) {
                    setSearching(false);
                }
            }
        }, SEARCH_DELAY_MS);
        return () => {
            cancelled = true;
            clearTimeout(timer);
        };
    }, [query, helpdesk, onError]);

    const choose = (person: Person) => {
        onChoose(person);
        setQuery('');
        setResults(null);
    };

    return (
        <>
            {selected && (
                <span
                    className='wahd-chip'
                    data-testid={`wa-ticket-customer-${ticketId}`}
                    aria-label={`${t('customer.current')}: ${selected.name}`}
                >{describePerson(selected)}</span>
            )}
            <input
                id={`wahd-${ticketId}-search`}
                className='wahd-input'
                type='search'
                value={query}
                placeholder={t('customer.searchPlaceholder')}
                aria-label={t('customer.search')}
                data-testid={`wa-person-search-${ticketId}`}
                autoComplete='off'
                onChange={(e) => setQuery(e.target.value)}
            />
            {searching && <div className='wahd-muted'>{t('customer.searching')}</div>}
            {!searching && results && results.length === 0 && (
                <div className='wahd-muted'>{t('customer.noResults')}</div>
            )}
            {results && results.length > 0 && (
                <ul
                    className='wahd-results'
                    aria-label={t('customer.results')}
                >
                    {results.map((person) => (
                        <li key={person.id}>
                            <button
                                type='button'
                                className='wahd-result'
                                data-testid={`wa-person-option-${person.id}`}
                                aria-label={t('customer.choose', {name: person.name})}
                                onClick={() => choose(person)}
                            >{describePerson(person)}</button>
                        </li>
                    ))}
                </ul>
            )}
            {results && total > results.length && (
                <div
                    className='wahd-muted'
                    data-testid={`wa-person-more-${ticketId}`}
                >{t('customer.moreResults', {shown: results.length, total})}</div>
            )}
            <div>
                <button
                    type='button'
                    className='wahd-link-button'
                    data-testid={`wa-create-person-${ticketId}`}
                    onClick={onCreateNew}
                >{'+ '}{t('customer.createNew')}</button>
            </div>
        </>
    );
}
