import React, {useEffect, useMemo, useRef, useState} from 'react';

import {useHelpdesk, usePluginState, useT} from '../context';
import {formatDateTime, formatPhone, formatTime} from '../format';
import {errorMessage} from '../helpdesk';
import {draftTickets} from '../store';
import type {NewPerson, Person, Ticket, TicketCustomer, TicketPatch} from '../types';

const SEARCH_DELAY_MS = 250;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function Transcript({ticket}: {ticket: Ticket}) {
    const t = useT();
    const {locale} = usePluginState();
    const [open, setOpen] = useState(false);
    const entries = ticket.transcript ?? [];
    const listId = `wahd-transcript-${ticket.id}`;
    return (
        <div className='wahd-field'>
            <div>
                <button
                    type='button'
                    className='wahd-link-button'
                    aria-expanded={open}
                    aria-controls={listId}
                    data-testid={`wa-ticket-transcript-toggle-${ticket.id}`}
                    onClick={() => setOpen(!open)}
                >{open ? t('ticket.hideTranscript') : t('ticket.showTranscript', {count: entries.length})}</button>
            </div>
            {open && (
                entries.length === 0 ? (
                    <div
                        id={listId}
                        className='wahd-muted'
                    >{t('ticket.transcriptEmpty')}</div>
                ) : (
                    <ol
                        id={listId}
                        className='wahd-transcript'
                        aria-label={t('ticket.transcriptLabel')}
                        data-testid={`wa-ticket-transcript-${ticket.id}`}
                    >
                        {entries.map((entry, i) => (
                            <li
                                key={i}
                                className={`wahd-msg--${entry.direction}`}
                            >
                                <div className='wahd-msg-meta'>
                                    <strong>{entry.author || t(`ticket.direction.${entry.direction}`)}</strong>
                                    {' · '}
                                    <time dateTime={new Date(entry.at).toISOString()}>{formatTime(entry.at, locale)}</time>
                                    {entry.direction === 'note' && ` · ${t('ticket.direction.note')}`}
                                </div>
                                {entry.text && <div className='wahd-msg-text'>{entry.text}</div>}
                                {entry.attachments && entry.attachments.length > 0 && (
                                    <div className='wahd-msg-meta'>{'📎 '}{t('ticket.attachments', {names: entry.attachments.join(', ')})}</div>
                                )}
                            </li>
                        ))}
                    </ol>
                )
            )}
        </div>
    );
}

interface Errors {
    subject?: string;
    name?: string;
    email?: string;
    api?: string;
}

/** A bare wa_id (digits only) becomes +<digits>; anything else is kept as typed. */
function e164(phone: string | undefined): string {
    if (!phone) {
        return '';
    }
    return /^\d{7,15}$/.test(phone) ? '+' + phone : phone;
}

function describePerson(p: {name: string; phone?: string; email?: string}): string {
    return [p.name, formatPhone(p.phone), p.email].filter(Boolean).join(' · ');
}

function TicketCard({ticket}: {ticket: Ticket}) {
    const t = useT();
    const {locale} = usePluginState();
    const helpdesk = useHelpdesk();
    const id = ticket.id;
    const ids = {
        subject: `wahd-${id}-subject`,
        subjectError: `wahd-${id}-subject-error`,
        status: `wahd-${id}-status`,
        customer: `wahd-${id}-customer`,
        search: `wahd-${id}-search`,
        name: `wahd-${id}-name`,
        nameError: `wahd-${id}-name-error`,
        phone: `wahd-${id}-phone`,
        email: `wahd-${id}-email`,
        emailError: `wahd-${id}-email-error`,
    };

    // Edits are local until Save; a websocket update of the same draft does not clobber them.
    const [subject, setSubject] = useState(ticket.subject || ticket.customer?.name || '');
    const [conversationStatus, setConversationStatus] = useState(ticket.conversation_status ?? '');
    const [mode, setMode] = useState<'existing' | 'new'>('existing');
    const [selected, setSelected] = useState<TicketCustomer | null>(ticket.customer ?? null);
    const [newPerson, setNewPerson] = useState<NewPerson>({
        name: ticket.customer?.name ?? '',
        phone: e164(ticket.customer?.phone),
        email: ticket.customer?.email ?? '',
    });
    const [query, setQuery] = useState('');
    const [results, setResults] = useState<Person[] | null>(null);
    const [searching, setSearching] = useState(false);
    const [errors, setErrors] = useState<Errors>({});
    const [saving, setSaving] = useState(false);
    const subjectRef = useRef<HTMLInputElement>(null);
    const nameRef = useRef<HTMLInputElement>(null);
    const emailRef = useRef<HTMLInputElement>(null);

    useEffect(() => {
        const q = query.trim();
        if (!q) {
            setResults(null);
            setSearching(false);
            return undefined;
        }
        let cancelled = false;
        const timer = setTimeout(async () => {
            setSearching(true);
            try {
                const people = await helpdesk.client.searchPeople(q);
                if (!cancelled) {
                    setResults(people);
                }
            } catch (err) {
                if (!cancelled) {
                    setResults([]);
                    setErrors((e) => ({...e, api: errorMessage(err)}));
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
    }, [query, helpdesk]);

    const validate = (): Errors => {
        const found: Errors = {};
        if (!subject.trim()) {
            found.subject = t('ticket.error.subject');
        }
        if (mode === 'new') {
            if (!newPerson.name.trim()) {
                found.name = t('ticket.error.name');
            }
            if (newPerson.email && !EMAIL_RE.test(newPerson.email.trim())) {
                found.email = t('ticket.error.email');
            }
        }
        return found;
    };

    const save = async () => {
        const found = validate();
        setErrors(found);
        if (found.subject) {
            subjectRef.current?.focus();
            return;
        }
        if (found.name) {
            nameRef.current?.focus();
            return;
        }
        if (found.email) {
            emailRef.current?.focus();
            return;
        }

        const patch: TicketPatch = {subject: subject.trim()};
        if (conversationStatus.trim() !== (ticket.conversation_status ?? '')) {
            patch.status = conversationStatus.trim();
        }
        if (mode === 'new') {
            const person: NewPerson = {name: newPerson.name.trim()};
            if (newPerson.phone?.trim()) {
                person.phone = newPerson.phone.trim();
            }
            if (newPerson.email?.trim()) {
                person.email = newPerson.email.trim();
            }
            patch.new_customer = person;
        } else if (selected?.id) {
            patch.customer_id = selected.id;
        }

        setSaving(true);
        try {
            const updated = await helpdesk.client.updateTicket(id, patch);
            if (mode === 'new' && updated?.customer?.id) {
                // The person now exists: a retry after a failed save must not create it twice.
                setSelected(updated.customer);
                setMode('existing');
            }
            const saved = await helpdesk.client.saveTicket(id);
            if (saved && typeof saved === 'object' && saved.id === id && saved.status) {
                helpdesk.receiveTicket(saved.status === 'saved' ? saved : {...saved, status: 'saved'});
            } else {
                helpdesk.receiveTicket({...ticket, ...(updated ?? {}), subject: patch.subject!, status: 'saved'});
            }
        } catch (err) {
            setErrors({api: errorMessage(err)});
            setSaving(false);
        }
    };

    const choose = (person: Person) => {
        setSelected(person);
        setQuery('');
        setResults(null);
    };

    const customerName = selected?.name || ticket.customer?.name || id;

    return (
        <article
            className='wahd-ticket'
            data-testid={`wa-ticket-${id}`}
            aria-label={t('ticket.label', {name: customerName})}
        >
            <div className='wahd-ticket-head'>
                <span className='wahd-ticket-title'>{ticket.subject || customerName}</span>
                <span
                    className='wahd-status'
                    data-testid={`wa-ticket-status-${id}`}
                >{t(ticket.status === 'saved' ? 'ticket.status.saved' : 'ticket.status.draft')}</span>
            </div>
            <div className='wahd-ticket-meta'>
                {t('ticket.created', {time: formatDateTime(ticket.created_at, locale)})}
            </div>

            <Transcript ticket={ticket}/>

            <div
                className='wahd-field'
                role='group'
                aria-labelledby={ids.customer}
            >
                <span
                    className='wahd-field-label'
                    id={ids.customer}
                >{t('ticket.customer')}</span>
                {mode === 'existing' ? (
                    <>
                        {selected && (
                            <span
                                className='wahd-chip'
                                data-testid={`wa-ticket-customer-${id}`}
                                aria-label={`${t('customer.current')}: ${selected.name}`}
                            >{describePerson(selected)}</span>
                        )}
                        <input
                            id={ids.search}
                            className='wahd-input'
                            type='search'
                            value={query}
                            placeholder={t('customer.searchPlaceholder')}
                            aria-label={t('customer.search')}
                            data-testid={`wa-person-search-${id}`}
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
                        <div>
                            <button
                                type='button'
                                className='wahd-link-button'
                                data-testid={`wa-create-person-${id}`}
                                onClick={() => setMode('new')}
                            >{'+ '}{t('customer.createNew')}</button>
                        </div>
                    </>
                ) : (
                    <div
                        className='wahd-new-person'
                        role='group'
                        aria-label={t('customer.newPerson')}
                    >
                        <div className='wahd-field'>
                            <label htmlFor={ids.name}>{t('person.name')}</label>
                            <input
                                id={ids.name}
                                ref={nameRef}
                                className='wahd-input'
                                value={newPerson.name}
                                data-testid='wa-new-person-name'
                                aria-invalid={Boolean(errors.name)}
                                aria-describedby={errors.name ? ids.nameError : undefined}
                                onChange={(e) => setNewPerson({...newPerson, name: e.target.value})}
                            />
                            {errors.name && (
                                <div
                                    id={ids.nameError}
                                    className='wahd-inline-error'
                                    role='alert'
                                    data-testid={`wa-new-person-name-error-${id}`}
                                >{errors.name}</div>
                            )}
                        </div>
                        <div className='wahd-field'>
                            <label htmlFor={ids.phone}>{t('person.phone')}</label>
                            <input
                                id={ids.phone}
                                className='wahd-input'
                                type='tel'
                                value={newPerson.phone ?? ''}
                                data-testid='wa-new-person-phone'
                                onChange={(e) => setNewPerson({...newPerson, phone: e.target.value})}
                            />
                        </div>
                        <div className='wahd-field'>
                            <label htmlFor={ids.email}>{t('person.email')}</label>
                            <input
                                id={ids.email}
                                ref={emailRef}
                                className='wahd-input'
                                type='email'
                                value={newPerson.email ?? ''}
                                data-testid='wa-new-person-email'
                                aria-invalid={Boolean(errors.email)}
                                aria-describedby={errors.email ? ids.emailError : undefined}
                                onChange={(e) => setNewPerson({...newPerson, email: e.target.value})}
                            />
                            {errors.email && (
                                <div
                                    id={ids.emailError}
                                    className='wahd-inline-error'
                                    role='alert'
                                >{errors.email}</div>
                            )}
                        </div>
                        <div>
                            <button
                                type='button'
                                className='wahd-link-button'
                                data-testid={`wa-use-existing-${id}`}
                                onClick={() => {
                                    setMode('existing');
                                    setErrors((e) => ({...e, name: undefined, email: undefined}));
                                }}
                            >{t('customer.useExisting')}</button>
                        </div>
                    </div>
                )}
            </div>

            <div className='wahd-field'>
                <label htmlFor={ids.subject}>{t('ticket.subject')}</label>
                <input
                    id={ids.subject}
                    ref={subjectRef}
                    className='wahd-input'
                    value={subject}
                    data-testid={`wa-ticket-subject-${id}`}
                    aria-invalid={Boolean(errors.subject)}
                    aria-describedby={errors.subject ? ids.subjectError : undefined}
                    onChange={(e) => setSubject(e.target.value)}
                />
                {errors.subject && (
                    <div
                        id={ids.subjectError}
                        className='wahd-inline-error'
                        role='alert'
                        data-testid={`wa-ticket-subject-error-${id}`}
                    >{errors.subject}</div>
                )}
            </div>

            <div className='wahd-field'>
                <label htmlFor={ids.status}>{t('ticket.conversationStatus')}</label>
                <input
                    id={ids.status}
                    className='wahd-input'
                    value={conversationStatus}
                    maxLength={64}
                    data-testid={`wa-ticket-conversation-status-${id}`}
                    onChange={(e) => setConversationStatus(e.target.value)}
                />
            </div>

            {errors.api && (
                <div
                    className='wahd-banner wahd-banner--error'
                    role='alert'
                    data-testid={`wa-ticket-error-${id}`}
                    style={{margin: '8px 0 0'}}
                ><span>{errors.api}</span></div>
            )}

            <div className='wahd-actions'>
                <button
                    type='button'
                    className='wahd-button'
                    data-testid={`wa-ticket-save-${id}`}
                    aria-label={t('ticket.saveAria', {subject: subject.trim() || customerName})}
                    disabled={saving}
                    onClick={save}
                >{saving ? t('ticket.saving') : t('ticket.save')}</button>
            </div>
        </article>
    );
}

export function DraftTickets() {
    const t = useT();
    const {tickets, loaded} = usePluginState();
    const drafts = useMemo(() => draftTickets(tickets), [tickets]);
    return (
        <section aria-label={t('section.drafts')}>
            <h3 className='wahd-section-title'>{t('section.drafts')}</h3>
            {drafts.length === 0 ? (
                <div
                    className='wahd-empty'
                    data-testid='wa-empty-drafts'
                >{loaded ? t('empty.drafts') : t('common.loading')}</div>
            ) : drafts.map((ticket) => (
                <TicketCard
                    key={ticket.id}
                    ticket={ticket}
                />
            ))}
        </section>
    );
}
