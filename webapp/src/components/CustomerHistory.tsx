// The history of the customer of the conversation channel the user is looking at: their earlier
// conversations (opened in one click) with their tickets, and whether they opted out.
import React, {useEffect, useMemo, useState} from 'react';

import {useHelpdesk, usePluginState, useT} from '../context';
import {formatDateTime, formatPhone} from '../format';
import {errorMessage} from '../helpdesk';
import type {MessageKey} from '../i18n';
import {channelHref, openChannel} from '../navigation';
import {joinConversation, personHistory, type HistoryConversation, type PersonHistory} from '../proactive';

const STATE_LABELS: Record<HistoryConversation['state'], MessageKey> = {
    waiting: 'history.state.waiting',
    active: 'history.state.active',
    closing: 'history.state.closed',
    closed: 'history.state.closed',
};

export function CustomerHistory() {
    const t = useT();
    const helpdesk = useHelpdesk();
    const {conversations, currentChannelId, locale} = usePluginState();
    const current = useMemo(
        () => Object.values(conversations).find((c) => c.channel_id && c.channel_id === currentChannelId),
        [conversations, currentChannelId],
    );
    const personId = current?.customer.id ?? '';
    const [history, setHistory] = useState<PersonHistory | null>(null);
    const [error, setError] = useState<string | null>(null);

    // Reloaded when the channel's conversation changes (a reply, an opt-out notice, a close).
    const version = current ? `${current.id}:${current.state}:${current.last_inbound_at ?? 0}` : '';
    useEffect(() => {
        setError(null);
        if (!personId) {
            setHistory(null);
            return undefined;
        }
        let live = true;
        personHistory(helpdesk.client, personId).then(
            (h) => live && setHistory(h),
            (err) => live && setError(errorMessage(err)),
        );
        return () => {
            live = false;
        };
    }, [helpdesk, personId, version]);

    if (!current || (!history && !error)) {
        return null;
    }
    const open = async (c: HistoryConversation) => {
        if (!c.channel_id) {
            return;
        }
        try {
            if (c.state === 'closed') {
                await joinConversation(helpdesk.client, c.id);
            }
            const target = {team_name: c.team_name, channel_id: c.channel_id};
            if (!openChannel(target)) {
                window.location.assign(channelHref(target));
            }
        } catch (err) {
            setError(errorMessage(err));
        }
    };
    const tickets = Object.fromEntries((history?.tickets ?? []).map((tk) => [tk.id, tk]));
    const earlier = (history?.conversations ?? []).filter((c) => c.id !== current.id);
    return (
        <section
            className='wahd-history'
            data-testid='wa-history'
            aria-label={t('history.title', {name: history?.name ?? current.customer.name})}
        >
            <div className='wahd-section-title'>{t('history.title', {name: history?.name ?? current.customer.name})}</div>
            {error && (
                <div
                    className='wahd-inline-error'
                    role='alert'
                >{error}</div>
            )}
            {history && (
                <>
                    <div className='wahd-muted'>
                        {formatPhone(history.phone)}
                        {history.opted_out && (
                            <span
                                className='wahd-badge wahd-badge--warning'
                                data-testid='wa-history-optout'
                                title={t('history.optedOutHelp')}
                            >{t('history.optedOut')}</span>
                        )}
                    </div>
                    {earlier.length === 0 ? (
                        <div
                            className='wahd-muted'
                            data-testid='wa-history-empty'
                        >{t('history.none')}</div>
                    ) : (
                        <ul className='wahd-history-list'>
                            {earlier.map((c) => {
                                const ticket = c.ticket_id ? tickets[c.ticket_id] : undefined;
                                return (
                                    <li
                                        key={c.id}
                                        data-testid={`wa-history-${c.id}`}
                                    >
                                        <button
                                            type='button'
                                            className='wahd-link-button'
                                            data-testid={`wa-history-open-${c.id}`}
                                            disabled={!c.channel_id}
                                            onClick={() => open(c)}
                                            aria-label={t('history.openAria', {time: formatDateTime(c.created_at, locale)})}
                                        >{formatDateTime(c.created_at, locale)}</button>
                                        {' · '}{t(STATE_LABELS[c.state])}
                                        {c.agent ? ` · ${c.agent}` : ''}
                                        {ticket && (
                                            <div className='wahd-muted'>
                                                {t('history.ticket', {subject: ticket.subject, status: t(ticket.status === 'saved' ? 'ticket.status.saved' : 'ticket.status.draft')})}
                                            </div>
                                        )}
                                    </li>
                                );
                            })}
                        </ul>
                    )}
                </>
            )}
        </section>
    );
}
