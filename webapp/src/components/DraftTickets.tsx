// The Drafts tab: one card per draft ticket (transcript, customer, subject, status, Save). The
// card lays out the parts; the draft's state and calls live in useTicketDraft, the customer in
// CustomerPicker or NewPersonForm.
import React, {useMemo, useState} from 'react';

import {useHelpdesk, usePluginState, useT} from '../context';
import {formatDateTime, formatTime} from '../format';
import {draftTickets} from '../store';
import type {Ticket} from '../types';

import {CustomerPicker} from './CustomerPicker';
import {NewPersonForm} from './NewPersonForm';
import {CsatLine} from './ServiceLevels';
import {useTicketDraft} from './useTicketDraft';

function Transcript({ticket}: {ticket: Ticket}) {
    const t = useT();
    const {locale} = usePluginState();
    const helpdesk = useHelpdesk();
    const [open, setOpen] = useState(false);
    const entries = ticket.transcript ?? [];
    const unknown = ticket.transcript === undefined;
    const toggle = () => {
        // Lists answer tickets without transcripts: the first opening fetches it.
        if (!open && unknown) {
            helpdesk.client.getTicket(ticket.id).then(helpdesk.receiveTicket, (err) => helpdesk.setError(String(err?.message ?? err)));
        }
        setOpen(!open);
    };
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
                    onClick={toggle}
                >{open ? t('ticket.hideTranscript') : unknown ? t('ticket.showTranscriptAny') : t('ticket.showTranscript', {count: entries.length})}</button>
            </div>
            {open && unknown && <div className='wahd-muted'>{t('common.loading')}</div>}
            {open && !unknown && (
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

function TicketCard({ticket}: {ticket: Ticket}) {
    const t = useT();
    const {locale} = usePluginState();
    const draft = useTicketDraft(ticket);
    const {errors} = draft;
    const id = ticket.id;
    const ids = {
        subject: `wahd-${id}-subject`,
        subjectError: `wahd-${id}-subject-error`,
        status: `wahd-${id}-status`,
        customer: `wahd-${id}-customer`,
    };
    const customerName = draft.selected?.name || ticket.customer?.name || id;

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
            <CsatLine ticket={ticket}/>

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
                {draft.mode === 'existing' ? (
                    <CustomerPicker
                        ticketId={id}
                        selected={draft.selected}
                        onChoose={draft.choose}
                        onCreateNew={draft.switchToNew}
                        onError={draft.setApiError}
                    />
                ) : (
                    <NewPersonForm
                        ticketId={id}
                        value={draft.newPerson}
                        onChange={draft.setNewPerson}
                        errors={errors}
                        nameRef={draft.refs.name}
                        emailRef={draft.refs.email}
                        onUseExisting={draft.switchToExisting}
                    />
                )}
            </div>

            <div className='wahd-field'>
                <label htmlFor={ids.subject}>{t('ticket.subject')}</label>
                <input
                    id={ids.subject}
                    ref={draft.refs.subject}
                    className='wahd-input'
                    value={draft.subject}
                    data-testid={`wa-ticket-subject-${id}`}
                    aria-invalid={Boolean(errors.subject)}
                    aria-describedby={errors.subject ? ids.subjectError : undefined}
                    onChange={(e) => draft.setSubject(e.target.value)}
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
                    value={draft.conversationStatus}
                    maxLength={64}
                    data-testid={`wa-ticket-conversation-status-${id}`}
                    onChange={(e) => draft.setConversationStatus(e.target.value)}
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
                    aria-label={t('ticket.saveAria', {subject: draft.subject.trim() || customerName})}
                    disabled={draft.saving}
                    onClick={draft.save}
                >{draft.saving ? t('ticket.saving') : t('ticket.save')}</button>
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
