// Service levels in the panel: the "outside business hours" banner and a ticket's satisfaction
// answer. Kept apart from Panel and DraftTickets so they only gain one line each.
import React, {useEffect, useState} from 'react';

import {useHelpdesk, useT} from '../context';
import type {MessageKey} from '../i18n';
import type {Ticket} from '../types';

/** How often the banner asks the server again: hours begin and end while the panel is open. */
export const HOURS_POLL_MS = 60_000;

export function HoursBanner({pollMs = HOURS_POLL_MS}: {pollMs?: number}) {
    const t = useT();
    const {client} = useHelpdesk();
    const [outside, setOutside] = useState<string[]>([]);

    useEffect(() => {
        let live = true;
        const load = () => client.getHours().then(
            (h) => live && setOutside(h?.outside_hours ?? []),
            () => undefined, // an older server without the route: no banner
        );
        load();
        const timer = setInterval(load, pollMs);
        return () => {
            live = false;
            clearInterval(timer);
        };
    }, [client, pollMs]);

    if (outside.length === 0) {
        return null;
    }
    const text = outside.length === 1 && outside[0] === 'default' ? t('hours.outside') : t('hours.outsideGroups', {groups: outside.join(', ')});
    return (
        <div
            className='wahd-banner wahd-banner--warning'
            role='status'
            data-testid='wa-outside-hours'
        >
            <span>{text}</span>
        </div>
    );
}

const SCORE_LABELS: Record<number, MessageKey> = {3: 'csat.great', 2: 'csat.okay', 1: 'csat.poor'};
const SKIPPED: Record<string, MessageKey> = {window_closed: 'csat.windowClosed', not_sent: 'csat.notSent'};

/** The ticket's satisfaction answer, or what became of the survey; nothing when none was due. */
export function CsatLine({ticket}: {ticket: Ticket}) {
    const t = useT();
    let text = '';
    if (ticket.csat && SCORE_LABELS[ticket.csat.score]) {
        text = t('csat.value', {label: t(SCORE_LABELS[ticket.csat.score]), score: ticket.csat.score});
    } else if (ticket.csat_skipped) {
        text = t(SKIPPED[ticket.csat_skipped] ?? 'csat.notSent');
    } else if (ticket.survey_sent_at) {
        text = t('csat.pending');
    }
    if (!text) {
        return null;
    }
    return (
        <div
            className='wahd-ticket-meta'
            data-testid={`wa-ticket-csat-${ticket.id}`}
        >
            {`${t('csat.label')}: ${text}`}
        </div>
    );
}
