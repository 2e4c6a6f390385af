// The Tickets tab: search every ticket (words of subject, customer, phone and transcript), filter
// by status and tag, page through the results, edit a ticket's tags and its customer, and
// download the same selection as CSV.
import React, {useCallback, useEffect, useState} from 'react';

import {TICKET_PAGE} from '../client';
import {useHelpdesk, usePluginState, useT} from '../context';
import {describePerson, formatDateTime} from '../format';
import {errorMessage} from '../helpdesk';
import type {Person, Ticket, TicketQuery, TicketStatus} from '../types';

import {PersonEditor} from './PersonEditor';
import {TagEditor} from './TagEditor';

function TicketRow({ticket, onChanged, onCustomerChanged}: {ticket: Ticket; onChanged(t: Ticket): void; onCustomerChanged(): void}) {
    const t = useT();
    const helpdesk = useHelpdesk();
    const {locale} = usePluginState();
    const [editing, setEditing] = useState(false);
    const saveTags = async (tags: string[]) => {
        const updated = await helpdesk.client.updateTicket(ticket.id, {tags});
        if (updated) {
            onChanged({...ticket, tags: updated.tags ?? tags});
            helpdesk.receiveTicket(updated);
        }
    };
    const customer = ticket.customer;
    return (
        <li
            className='wahd-ticket'
            data-testid={`wa-found-${ticket.id}`}
        >
            <div className='wahd-ticket-head'>
                <span className='wahd-ticket-title'>{ticket.subject}</span>
                <span className='wahd-status'>{t(ticket.status === 'saved' ? 'ticket.status.saved' : 'ticket.status.draft')}</span>
            </div>
            <div className='wahd-ticket-meta'>
                {describePerson(customer)}{' · '}{formatDateTime(ticket.created_at, locale)}
            </div>
            <TagEditor
                id={ticket.id}
                tags={ticket.tags ?? []}
                onSave={saveTags}
            />
            {customer.id && (
                editing ? (
                    <PersonEditor
                        person={{...customer, id: customer.id}}
                        onSaved={(p: Person) => {
                            setEditing(false);
                            onChanged({...ticket, customer: p});
                        }}
                        onMerged={() => {
                            setEditing(false);
                            onCustomerChanged();
                        }}
                        onCancel={() => setEditing(false)}
                    />
                ) : (
                    <button
                        type='button'
                        className='wahd-link-button'
                        data-testid={`wa-edit-customer-${ticket.id}`}
                        onClick={() => setEditing(true)}
                    >{t('person.edit')}</button>
                )
            )}
        </li>
    );
}

export function TicketSearch() {
    const t = useT();
    const helpdesk = useHelpdesk();
    const [draft, setDraft] = useState<TicketQuery>({q: '', tag: '', status: ''});
    const [query, setQuery] = useState<TicketQuery>({});
    const [page, setPage] = useState(0);
    const [items, setItems] = useState<Ticket[] | null>(null);
    const [total, setTotal] = useState(0);
    const [error, setError] = useState('');
    const [loading, setLoading] = useState(false);

    const load = useCallback(async (q: TicketQuery, p: number) => {
        setLoading(true);
        setError('');
        try {
            const found = await helpdesk.client.searchTickets(q, p);
            setItems(found.items);
            setTotal(found.total);
        } catch (err) {
            setError(errorMessage(err));
        } finally {
            setLoading(false);
        }
    }, [helpdesk]);

    useEffect(() => {
        load(query, page);
    }, [load, query, page]);

    const submit = (e: React.FormEvent) => {
        e.preventDefault();
        setPage(0);
        setQuery({...draft});
    };

    const first = total === 0 ? 0 : (page * TICKET_PAGE) + 1;
    const last = Math.min((page + 1) * TICKET_PAGE, total);
    const replace = (updated: Ticket) => setItems((list) => (list ?? []).map((x) => (x.id === updated.id ? updated : x)));

    return (
        <section aria-label={t('section.tickets')}>
            <h3 className='wahd-section-title'>{t('section.tickets')}</h3>
            <form
                className='wahd-search'
                role='search'
                onSubmit={submit}
            >
                <input
                    className='wahd-input'
                    type='search'
                    value={draft.q}
                    placeholder={t('tickets.searchPlaceholder')}
                    aria-label={t('tickets.search')}
                    data-testid='wa-tickets-q'
                    onChange={(e) => setDraft({...draft, q: e.target.value})}
                />
                <select
                    className='wahd-input'
                    value={draft.status}
                    aria-label={t('ticket.status')}
                    data-testid='wa-tickets-status'
                    onChange={(e) => setDraft({...draft, status: e.target.value as TicketStatus | ''})}
                >
                    <option value=''>{t('tickets.anyStatus')}</option>
                    <option value='draft'>{t('ticket.status.draft')}</option>
                    <option value='saved'>{t('ticket.status.saved')}</option>
                </select>
                <input
                    className='wahd-input'
                    value={draft.tag}
                    placeholder={t('tickets.tag')}
                    aria-label={t('tickets.tag')}
                    data-testid='wa-tickets-tag'
                    onChange={(e) => setDraft({...draft, tag: e.target.value})}
                />
                <button
                    type='submit'
                    className='wahd-button'
                    data-testid='wa-tickets-search'
                >{t('tickets.search')}</button>
                <a
                    className='wahd-button wahd-button--secondary'
                    href={helpdesk.client.ticketsExportUrl(query)}
                    download='tickets.csv'
                    data-testid='wa-tickets-export'
                >{t('tickets.export')}</a>
            </form>
            {error && (
                <div
                    className='wahd-inline-error'
                    role='alert'
                    data-testid='wa-tickets-error'
                >{error}</div>
            )}
            <div
                className='wahd-muted'
                role='status'
                data-testid='wa-tickets-total'
            >{loading && items === null ? t('common.loading') : t('tickets.range', {first, last, total})}</div>
            {items && items.length === 0 && !loading && (
                <div
                    className='wahd-empty'
                    data-testid='wa-tickets-empty'
                >{t('tickets.none')}</div>
            )}
            <ul className='wahd-found'>
                {(items ?? []).map((ticket) => (
                    <TicketRow
                        key={ticket.id}
                        ticket={ticket}
                        onChanged={replace}
                        onCustomerChanged={() => load(query, page)}
                    />
                ))}
            </ul>
            {total > TICKET_PAGE && (
                <div className='wahd-more'>
                    <button
                        type='button'
                        className='wahd-button wahd-button--secondary'
                        disabled={page === 0 || loading}
                        data-testid='wa-tickets-prev'
                        onClick={() => setPage(page - 1)}
                    >{t('tickets.prev')}</button>
                    <button
                        type='button'
                        className='wahd-button wahd-button--secondary'
                        disabled={last >= total || loading}
                        data-testid='wa-tickets-next'
                        onClick={() => setPage(page + 1)}
                    >{t('tickets.next')}</button>
                </div>
            )}
        </section>
    );
}
