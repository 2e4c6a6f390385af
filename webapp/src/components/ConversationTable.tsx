import React, {useMemo, useState} from 'react';

import {useHelpdesk, useNow, usePluginState, useT} from '../context';
import {formatDateTime, formatDuration, formatPhone, formatRemaining} from '../format';
import {errorMessage} from '../helpdesk';
import {channelHref, openChannel} from '../navigation';
import {conversationsIn} from '../store';
import type {Conversation} from '../types';

import {ChatGlyph} from './icons';
import {TagEditor} from './TagEditor';

const HOUR = 60 * 60 * 1000;

type ListState = 'waiting' | 'active';

export function OriginBadge({origin}: {origin: string}) {
    const t = useT();
    const whatsapp = !origin || origin === 'whatsapp';
    return (
        <span className='wahd-badge'>
            {whatsapp && <ChatGlyph size={12}/>}
            {whatsapp ? t('origin.whatsapp') : origin}
        </span>
    );
}

function WindowLeft({conversation, now}: {conversation: Conversation; now: number}) {
    const t = useT();
    const {locale} = usePluginState();
    const expires = conversation.window_expires_at;
    if (!expires) {
        return <span className='wahd-muted'>{t('common.none')}</span>;
    }
    const left = expires - now;
    const title = t('window.title', {time: formatDateTime(expires, locale)});
    if (left <= 0) {
        return (
            <span
                className='wahd-clock wahd-window--expired'
                title={title}
                data-testid={`wa-window-${conversation.id}`}
            >{t('window.expired')}</span>
        );
    }
    return (
        <span
            className={'wahd-clock' + (left < HOUR ? ' wahd-window--soon' : '')}
            title={title}
            data-testid={`wa-window-${conversation.id}`}
        >{t('window.left', {time: formatRemaining(left)})}</span>
    );
}

function ConversationRow({conversation, listState, now}: {conversation: Conversation; listState: ListState; now: number}) {
    const t = useT();
    const helpdesk = useHelpdesk();
    const [pending, setPending] = useState(false);
    const [confirming, setConfirming] = useState(false);
    const [error, setError] = useState<string | null>(null);
    const c = conversation;
    const name = c.customer?.name || formatPhone(c.customer?.phone || c.customer?.wa_id) || c.id;
    const phone = formatPhone(c.customer?.phone || c.customer?.wa_id);
    const since = listState === 'waiting' ? c.created_at : (c.attended_at || c.created_at);

    const open = () => {
        if (!openChannel(c)) {
            window.location.assign(channelHref(c));
        }
    };

    const run = async (action: () => Promise<void>) => {
        setPending(true);
        setError(null);
        try {
            await action();
            setConfirming(false);
        } catch (err) {
            setError(errorMessage(err));
        } finally {
            setPending(false);
        }
    };

    const stop = (e: React.SyntheticEvent) => e.stopPropagation();

    return (
        <tr
            className='wahd-row'
            data-testid={`wa-row-${c.id}`}
            onClick={open}
        >
            <td
                className='wahd-cell-origin'
                data-testid={`wa-origin-${c.id}`}
            >
                <OriginBadge origin={c.origin}/>
            </td>
            <td className='wahd-cell-customer'>
                <a
                    className='wahd-customer-name'
                    href={channelHref(c)}
                    aria-label={t('conversation.open', {name})}
                    data-testid={`wa-open-${c.id}`}
                    onClick={(e) => {
                        e.stopPropagation();
                        if (openChannel(c)) {
                            e.preventDefault();
                        }
                    }}
                >{name}</a>
                {phone && phone !== name && <div className='wahd-phone'>{phone}</div>}
                {c.status && <div className='wahd-muted'>{t('conversation.status', {status: c.status})}</div>}
                {listState === 'active' && (
                    <div onClick={stop}>
                        <TagEditor
                            id={c.id}
                            tags={c.tags ?? []}
                            onSave={(tags) => helpdesk.setConversationTags(c.id, tags)}
                        />
                    </div>
                )}
            </td>
            <td
                className='wahd-cell-meta'
                data-label={listState === 'waiting' ? t('col.waiting') : t('col.inAttendance')}
            >
                <span
                    className='wahd-clock'
                    data-testid={`wa-wait-${c.id}`}
                >{formatDuration(now - since)}</span>
            </td>
            <td
                className='wahd-cell-meta'
                data-label={t('col.agent')}
                data-testid={`wa-agent-${c.id}`}
            >
                {c.agent_name || (c.agent_id ? c.agent_id : <span className='wahd-muted'>{t('conversation.noAgent')}</span>)}
            </td>
            <td
                className='wahd-cell-meta'
                data-label={t('col.window')}
            >
                <WindowLeft
                    conversation={c}
                    now={now}
                />
            </td>
            <td
                className='wahd-cell-actions'
                onClick={stop}
                style={{cursor: 'default'}}
            >
                {listState === 'waiting' && (
                    <button
                        type='button'
                        className='wahd-button'
                        data-testid={`wa-attend-${c.id}`}
                        aria-label={t('conversation.attendAria', {name})}
                        disabled={pending}
                        onClick={() => run(() => helpdesk.attend(c.id))}
                    >{pending ? t('conversation.attending') : t('conversation.attend')}</button>
                )}
                {listState === 'active' && !confirming && (
                    <button
                        type='button'
                        className='wahd-button wahd-button--secondary'
                        data-testid={`wa-close-${c.id}`}
                        aria-label={t('conversation.closeAria', {name})}
                        onClick={() => setConfirming(true)}
                    >{t('conversation.close')}</button>
                )}
                {listState === 'active' && confirming && (
                    <div
                        className='wahd-confirm'
                        role='group'
                        aria-label={t('conversation.closeAria', {name})}
                    >
                        <span>{t('conversation.closeConfirm')}</span>
                        <div className='wahd-confirm-actions'>
                            <button
                                type='button'
                                className='wahd-button wahd-button--danger'
                                data-testid={`wa-close-confirm-${c.id}`}
                                disabled={pending}
                                onClick={() => run(() => helpdesk.close(c.id))}
                            >{pending ? t('conversation.closing') : t('conversation.closeYes')}</button>
                            <button
                                type='button'
                                className='wahd-link-button'
                                data-testid={`wa-close-cancel-${c.id}`}
                                disabled={pending}
                                onClick={() => setConfirming(false)}
                            >{t('common.cancel')}</button>
                        </div>
                    </div>
                )}
                {error && (
                    <div
                        className='wahd-inline-error'
                        role='alert'
                        data-testid={`wa-row-error-${c.id}`}
                    >{error}</div>
                )}
            </td>
        </tr>
    );
}

export function ConversationTable({listState}: {listState: ListState}) {
    const t = useT();
    const {conversations, loaded, more} = usePluginState();
    const helpdesk = useHelpdesk();
    const [loadingMore, setLoadingMore] = useState(false);
    const [moreError, setMoreError] = useState<string | null>(null);
    const hidden = more[listState]?.count ?? 0;
    const loadMore = async () => {
        setLoadingMore(true);
        setMoreError(null);
        try {
            await helpdesk.loadMore(listState);
        } catch (err) {
            setMoreError(errorMessage(err));
        } finally {
            setLoadingMore(false);
        }
    };
    const now = useNow();
    const rows = useMemo(() => conversationsIn(conversations, listState), [conversations, listState]);
    const title = listState === 'waiting' ? t('section.waiting') : t('section.active');

    return (
        <section aria-label={title}>
            <h3 className='wahd-section-title'>{title}</h3>
            {rows.length === 0 ? (
                <div
                    className='wahd-empty'
                    data-testid={`wa-empty-${listState}`}
                >{loaded ? t(listState === 'waiting' ? 'empty.waiting' : 'empty.active') : t('common.loading')}</div>
            ) : (
                <table
                    className='wahd-table'
                    data-testid={`wa-table-${listState}`}
                    aria-label={title}
                >
                    <thead>
                        <tr>
                            <th scope='col'>{t('col.origin')}</th>
                            <th scope='col'>{t('col.customer')}</th>
                            <th scope='col'>{listState === 'waiting' ? t('col.waiting') : t('col.inAttendance')}</th>
                            <th scope='col'>{t('col.agent')}</th>
                            <th scope='col'>{t('col.window')}</th>
                            <th scope='col'><span className='wahd-sr-only'>{t('col.actions')}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.map((c) => (
                            <ConversationRow
                                key={c.id}
                                conversation={c}
                                listState={listState}
                                now={now}
                            />
                        ))}
                    </tbody>
                </table>
            )}
            {hidden > 0 && (
                <div className='wahd-more'>
                    <span data-testid={`wa-more-${listState}`}>{t('list.more', {count: hidden})}</span>
                    <button
                        type='button'
                        className='wahd-link-button'
                        data-testid={`wa-load-more-${listState}`}
                        disabled={loadingMore}
                        onClick={loadMore}
                    >{loadingMore ? t('common.loading') : t('list.loadMore')}</button>
                </div>
            )}
            {moreError && (
                <div
                    className='wahd-inline-error'
                    role='alert'
                >{moreError}</div>
            )}
        </section>
    );
}
