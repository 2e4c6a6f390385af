import React, {useEffect, useMemo, useRef, useState} from 'react';

import {useHelpdesk, usePluginState, useT} from '../context';
import {channelHref, openChannel} from '../navigation';
import {conversationsIn, draftTickets, isLowBalance} from '../store';

import {ConversationTable} from './ConversationTable';
import {CustomerHistory} from './CustomerHistory';
import {DraftTickets} from './DraftTickets';
import {Indicators} from './Indicators';
import {HoursBanner} from './ServiceLevels';
import {TicketSearch} from './TicketSearch';
import {StartConversation} from './StartConversation';
import {ensureStyles} from './styles';

export type TabKey = 'waiting' | 'active' | 'drafts' | 'tickets' | 'indicators';
const TABS: TabKey[] = ['waiting', 'active', 'drafts', 'tickets', 'indicators'];

function CreditsBadge() {
    const t = useT();
    const {credits} = usePluginState();
    if (!credits) {
        return null;
    }
    const low = isLowBalance(credits);
    const empty = credits.balance <= 0;
    return (
        <span
            className={'wahd-credits' + (empty ? ' wahd-credits--empty' : low ? ' wahd-credits--low' : '')}
            data-testid='wa-credits'
            title={t('credits.title', {used: credits.used, granted: credits.granted})}
            aria-label={`${t('credits.label')}: ${t('credits.balance', {balance: credits.balance})}`}
        >
            {low && <span aria-hidden='true'>{'⚠'}</span>}
            {t('credits.balance', {balance: credits.balance})}
        </span>
    );
}

function CreditsWarning() {
    const t = useT();
    const {credits} = usePluginState();
    if (!credits || !isLowBalance(credits)) {
        return null;
    }
    return (
        <div
            className={'wahd-banner ' + (credits.balance <= 0 ? 'wahd-banner--error' : 'wahd-banner--warning')}
            role='status'
            data-testid='wa-credits-low'
        >
            <span>{credits.balance <= 0 ? t('credits.empty') : t('credits.low', {balance: credits.balance})}</span>
        </div>
    );
}

export function Panel({initialTab = 'waiting'}: {initialTab?: TabKey}) {
    const t = useT();
    const helpdesk = useHelpdesk();
    const {conversations, tickets, error, notices, loading} = usePluginState();
    const [tab, setTab] = useState<TabKey>(initialTab);
    const [starting, setStarting] = useState(false);
    const tabRefs = useRef<Record<TabKey, HTMLButtonElement | null>>({waiting: null, active: null, drafts: null, tickets: null, indicators: null});

    useEffect(() => {
        ensureStyles();
        helpdesk.ensureLoaded();
    }, [helpdesk]);

    const counts: Partial<Record<TabKey, number>> = useMemo(() => ({
        waiting: conversationsIn(conversations, 'waiting').length,
        active: conversationsIn(conversations, 'active').length,
        drafts: draftTickets(tickets).length,
    }), [conversations, tickets]);

    const labels: Record<TabKey, string> = {
        waiting: t('tab.waiting'),
        active: t('tab.active'),
        drafts: t('tab.drafts'),
        tickets: t('tab.tickets'),
        indicators: t('tab.indicators'),
    };
    const titles: Record<TabKey, string> = {
        waiting: t('section.waiting'),
        active: t('section.active'),
        drafts: t('section.drafts'),
        tickets: t('section.tickets'),
        indicators: t('section.indicators'),
    };

    // Arrow keys move between tabs (WAI-ARIA tabs pattern).
    const onTabKeyDown = (e: React.KeyboardEvent) => {
        const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
        if (!step) {
            return;
        }
        e.preventDefault();
        const next = TABS[(TABS.indexOf(tab) + step + TABS.length) % TABS.length];
        setTab(next);
        tabRefs.current[next]?.focus();
    };

    return (
        <div
            className='wahd'
            data-testid='wa-panel'
        >
            <div className='wahd-header'>
                <span className='wahd-header-title'>{t('plugin.name')}</span>
                <CreditsBadge/>
                <button
                    type='button'
                    className='wahd-button'
                    data-testid='wa-start-open'
                    aria-label={t('start.newAria')}
                    aria-expanded={starting}
                    onClick={() => setStarting(!starting)}
                >{'+ '}{t('start.new')}</button>
                <button
                    type='button'
                    className='wahd-icon-button'
                    data-testid='wa-refresh'
                    disabled={loading}
                    onClick={() => helpdesk.refresh()}
                >{'↻ '}{t('common.refresh')}</button>
            </div>
            <CreditsWarning/>
            <HoursBanner/>
            {starting && (
                <StartConversation
                    onCancel={() => setStarting(false)}
                    onStarted={(conversation) => {
                        setStarting(false);
                        setTab('active');
                        if (!openChannel(conversation)) {
                            window.location.assign(channelHref(conversation));
                        }
                    }}
                />
            )}
            {error && (
                <div
                    className='wahd-banner wahd-banner--error'
                    role='alert'
                    data-testid='wa-error'
                >
                    <span>{`${t('error.title')}: ${error}`}</span>
                    <button
                        type='button'
                        className='wahd-link-button'
                        onClick={() => helpdesk.setError(null)}
                    >{t('common.dismiss')}</button>
                </div>
            )}
            {notices.length > 0 && (
                <div
                    className='wahd-banner wahd-banner--warning'
                    role='status'
                    data-testid='wa-notices'
                >
                    <ul className='wahd-notices'>
                        {notices.map((n) => <li key={n}>{`⚠️ ${n}`}</li>)}
                    </ul>
                    <button
                        type='button'
                        className='wahd-link-button'
                        onClick={() => helpdesk.dismissNotices()}
                    >{t('common.dismiss')}</button>
                </div>
            )}
            <div
                className='wahd-tabs'
                role='tablist'
                aria-label={t('tabs.label')}
            >
                {TABS.map((key) => (
                    <button
                        key={key}
                        ref={(el) => {
                            tabRefs.current[key] = el;
                        }}
                        type='button'
                        role='tab'
                        id={`wahd-tab-${key}`}
                        className='wahd-tab'
                        aria-selected={tab === key}
                        aria-controls={`wahd-tabpanel-${key}`}
                        tabIndex={tab === key ? 0 : -1}
                        title={titles[key]}
                        data-testid={`wa-tab-${key}`}
                        onClick={() => setTab(key)}
                        onKeyDown={onTabKeyDown}
                    >
                        {labels[key]}
                        {counts[key] !== undefined && (
                            <span
                                className='wahd-count'
                                data-testid={`wa-count-${key}`}
                            >{counts[key]}</span>
                        )}
                    </button>
                ))}
            </div>
            <div
                className='wahd-body'
                role='tabpanel'
                id={`wahd-tabpanel-${tab}`}
                aria-labelledby={`wahd-tab-${tab}`}
            >
                {tab === 'drafts' && <DraftTickets/>}
                {tab === 'tickets' && <TicketSearch/>}
                {tab === 'indicators' && <Indicators/>}
                {(tab === 'waiting' || tab === 'active') && <ConversationTable listState={tab}/>}
            </div>
            <CustomerHistory/>
        </div>
    );
}
