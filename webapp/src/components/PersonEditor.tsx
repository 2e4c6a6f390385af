// Editing a customer (name, email, phone, organization, notes) and merging them into another
// person, after a confirmation. A phone that belongs to someone else is refused by the server
// naming that person: the editor offers merging into them instead.
import React, {useState} from 'react';

import {useHelpdesk, useT} from '../context';
import {describePerson, isSearchable} from '../format';
import {ApiError} from '../client';
import type {MessageKey} from '../i18n';
import type {Person, PersonPatch, TicketCustomer} from '../types';

import {useAction} from './useAction';

export interface PersonEditorProps {
    person: TicketCustomer & {id: string; organization?: string; notes?: string};
    onSaved(person: Person): void;

    /** The person was merged into `into` (and is gone). */
    onMerged(into: Person): void;
    onCancel(): void;
}

type Field = keyof PersonPatch;
const FIELDS: Field[] = ['name', 'email', 'phone', 'organization', 'notes'];

export function PersonEditor({person, onSaved, onMerged, onCancel}: PersonEditorProps) {
    const t = useT();
    const helpdesk = useHelpdesk();
    const initial: Record<Field, string> = {
        name: person.name ?? '', email: person.email ?? '', phone: person.phone ? `+${person.phone}` : '',
        organization: person.organization ?? '', notes: person.notes ?? '',
    };
    const [values, setValues] = useState(initial);
    const {busy, error, setError, run} = useAction();
    const [query, setQuery] = useState('');
    const [candidates, setCandidates] = useState<Person[] | null>(null);
    const [target, setTarget] = useState<Person | null>(null);

    const save = async (e: React.FormEvent) => {
        e.preventDefault();
        const patch: PersonPatch = {};
        for (const f of FIELDS) {
            if (values[f] !== initial[f]) {
                patch[f] = values[f];
            }
        }
        if (!values.name.trim()) {
            setError(t('ticket.error.name'));
            return;
        }
        await run(async () => onSaved(await helpdesk.client.updatePerson(person.id, patch)), (err) => {
            if (err instanceof ApiError && err.personId) {
                // The phone is someone else's: offer that person as the merge target.
                setTarget({id: err.personId, name: t('person.phoneOwner'), phone: values.phone.replace(/\D/g, '')});
            }
        });
    };

    const search = async () => {
        if (!isSearchable(query)) {
            return;
        }
        await run(async () => {
            const found = await helpdesk.client.searchPeople(query.trim());
            setCandidates(found.items.filter((p) => p.id !== person.id));
        });
    };

    const merge = async () => {
        if (!target) {
            return;
        }
        await run(async () => onMerged(await helpdesk.client.mergePerson(person.id, target.id)));
    };

    return (
        <div
            className='wahd-person-editor'
            data-testid={`wa-person-editor-${person.id}`}
        >
            <form onSubmit={save}>
                {FIELDS.map((f) => (
                    <div
                        key={f}
                        className='wahd-field'
                    >
                        <label htmlFor={`wahd-person-${person.id}-${f}`}>{t(`person.${f}` as MessageKey)}</label>
                        {f === 'notes' ? (
                            <textarea
                                id={`wahd-person-${person.id}-${f}`}
                                className='wahd-input'
                                value={values[f]}
                                maxLength={4000}
                                data-testid={`wa-person-${f}`}
                                onChange={(e) => setValues({...values, [f]: e.target.value})}
                            />
                        ) : (
                            <input
                                id={`wahd-person-${person.id}-${f}`}
                                className='wahd-input'
                                value={values[f]}
                                data-testid={`wa-person-${f}`}
                                onChange={(e) => setValues({...values, [f]: e.target.value})}
                            />
                        )}
                    </div>
                ))}
                <div className='wahd-actions'>
                    <button
                        type='submit'
                        className='wahd-button'
                        disabled={busy}
                        data-testid='wa-person-save'
                    >{t('person.save')}</button>
                    <button
                        type='button'
                        className='wahd-button wahd-button--secondary'
                        onClick={onCancel}
                    >{t('common.cancel')}</button>
                </div>
            </form>

            <div className='wahd-field'>
                <label htmlFor={`wahd-merge-${person.id}`}>{t('person.mergeSearch')}</label>
                <div className='wahd-actions'>
                    <input
                        id={`wahd-merge-${person.id}`}
                        className='wahd-input'
                        value={query}
                        data-testid='wa-merge-search'
                        onChange={(e) => setQuery(e.target.value)}
                        onKeyDown={(e) => {
                            if (e.key === 'Enter') {
                                e.preventDefault();
                                search();
                            }
                        }}
                    />
                    <button
                        type='button'
                        className='wahd-button wahd-button--secondary'
                        disabled={!isSearchable(query)}
                        data-testid='wa-merge-find'
                        onClick={search}
                    >{t('person.find')}</button>
                </div>
                {candidates && (
                    candidates.length === 0 ? <div className='wahd-muted'>{t('person.noCandidates')}</div> : (
                        <ul className='wahd-results'>
                            {candidates.map((p) => (
                                <li key={p.id}>
                                    <button
                                        type='button'
                                        className='wahd-result'
                                        data-testid={`wa-merge-candidate-${p.id}`}
                                        onClick={() => setTarget(p)}
                                    >{describePerson(p)}</button>
                                </li>
                            ))}
                        </ul>
                    )
                )}
            </div>

            {target && (
                <div
                    className='wahd-confirm'
                    role='alertdialog'
                    aria-label={t('person.mergeTitle')}
                    data-testid='wa-merge-confirm'
                >
                    <span>{t('person.mergeConfirm', {from: describePerson(person), into: describePerson(target)})}</span>
                    <div className='wahd-confirm-actions'>
                        <button
                            type='button'
                            className='wahd-button wahd-button--danger'
                            disabled={busy}
                            data-testid='wa-merge-yes'
                            onClick={merge}
                        >{t('person.merge')}</button>
                        <button
                            type='button'
                            className='wahd-button wahd-button--secondary'
                            data-testid='wa-merge-no'
                            onClick={() => setTarget(null)}
                        >{t('common.cancel')}</button>
                    </div>
                </div>
            )}

            {error && (
                <div
                    className='wahd-inline-error'
                    role='alert'
                    data-testid='wa-person-error'
                >{error}</div>
            )}
        </div>
    );
}
