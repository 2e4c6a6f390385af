import React, {useCallback, useEffect, useState} from 'react';

import {useHelpdesk, useT} from '../context';
import {agentsCsvUrl, formatDuration, getAgents, getSummary, lastDays, setPaused, type AgentStatus, type Summary} from '../indicators';

import {HourChart} from './HourChart';
import {ensureIndicatorStyles} from './indicatorStyles';
import {useAction} from './useAction';

const PERIODS = [1, 7, 30];

function Card({label, value, testId}: {label: string; value: string; testId: string}) {
    return (
        <div className='wahd-ind-card'>
            <div className='wahd-ind-card-label'>{label}</div>
            <div
                className='wahd-ind-card-value'
                data-testid={testId}
            >{value}</div>
        </div>
    );
}

/** The Indicators tab: the period's numbers, conversations by hour, the agents' table, who is
 * online or paused, and the user's own pause switch. */
export function Indicators({now}: {now?: number}) {
    const t = useT();
    const {client} = useHelpdesk();
    const [days, setDays] = useState(7);
    const [summary, setSummary] = useState<Summary | null>(null);
    const [agents, setAgents] = useState<AgentStatus[]>([]);
    const [paused, setMyPause] = useState(false);
    const {busy, error, run} = useAction();
    const period = lastDays(days, now);

    const load = useCallback(() => run(async () => {
        const [s, a] = await Promise.all([getSummary(client, lastDays(days, now)), getAgents(client)]);
        setSummary(s);
        setAgents(a.items);
        setMyPause(a.paused);
    }), [client, days, now, run]);

    useEffect(() => {
        ensureIndicatorStyles();
        load();
    }, [load]);

    const togglePause = () => run(async () => {
        const answer = await setPaused(client, !paused);
        setMyPause(answer.paused);
        setAgents((await getAgents(client)).items);
    });

    const csat = (avg: number, count: number) => (count > 0 ? avg.toFixed(2) : '—');

    return (
        <div
            className='wahd-ind'
            data-testid='wa-indicators'
        >
            <div className='wahd-ind-bar'>
                <label className='wahd-ind-switch'>
                    <input
                        type='checkbox'
                        role='switch'
                        checked={!paused}
                        disabled={busy}
                        onChange={togglePause}
                        data-testid='wa-pause-switch'
                    />
                    {paused ? t('ind.paused') : t('ind.receiving')}
                </label>
                <label className='wahd-ind-switch'>
                    {t('ind.period')}
                    <select
                        className='wahd-input'
                        style={{width: 'auto'}}
                        value={days}
                        onChange={(e) => setDays(Number(e.target.value))}
                        data-testid='wa-ind-period'
                    >
                        {PERIODS.map((d) => (
                            <option
                                key={d}
                                value={d}
                            >{d === 1 ? t('ind.today') : t('ind.lastDays', {days: d})}</option>
                        ))}
                    </select>
                </label>
            </div>
            {error && (
                <div
                    className='wahd-banner wahd-banner--error'
                    role='alert'
                >{error}</div>
            )}
            {summary && (
                <>
                    <div className='wahd-muted'>{t('ind.range', {from: summary.from, to: summary.to, zone: summary.time_zone})}</div>
                    <div className='wahd-ind-cards'>
                        <Card
                            label={t('ind.conversations')}
                            value={String(summary.conversations)}
                            testId='wa-ind-conversations'
                        />
                        <Card
                            label={t('ind.attended')}
                            value={String(summary.attended)}
                            testId='wa-ind-attended'
                        />
                        <Card
                            label={t('ind.avgWait')}
                            value={formatDuration(summary.avg_wait_seconds)}
                            testId='wa-ind-wait'
                        />
                        <Card
                            label={t('ind.avgFirstResponse')}
                            value={formatDuration(summary.avg_first_response_seconds)}
                            testId='wa-ind-first'
                        />
                        <Card
                            label={t('ind.avgHandle')}
                            value={formatDuration(summary.avg_handle_seconds)}
                            testId='wa-ind-handle'
                        />
                        <Card
                            label={t('ind.csat')}
                            value={summary.csat_count > 0 ? t('ind.csatValue', {avg: summary.csat_avg.toFixed(2), count: summary.csat_count}) : '—'}
                            testId='wa-ind-csat'
                        />
                    </div>
                    <div>
                        <h4 className='wahd-ind-section'>{t('ind.byHour')}</h4>
                        <HourChart
                            counts={summary.by_hour}
                            label={t('ind.byHourAria', {total: summary.conversations})}
                            barTitle={(hour, count) => t('ind.barTitle', {hour: String(hour).padStart(2, '0'), count})}
                        />
                    </div>
                    <div>
                        <div className='wahd-ind-bar'>
                            <h4 className='wahd-ind-section'>{t('ind.byAgent')}</h4>
                            <a
                                className='wahd-link-button'
                                href={agentsCsvUrl(client, period)}
                                download={`agents-${summary.from}-${summary.to}.csv`}
                                data-testid='wa-ind-csv'
                            >{t('ind.exportCsv')}</a>
                        </div>
                        {summary.by_agent.length === 0 ? <div className='wahd-muted'>{t('ind.noData')}</div> : (
                            <table
                                className='wahd-ind-table'
                                data-testid='wa-ind-agents'
                            >
                                <thead>
                                    <tr>
                                        <th>{t('col.agent')}</th>
                                        <th>{t('ind.conversations')}</th>
                                        <th>{t('ind.avgFirstResponse')}</th>
                                        <th>{t('ind.avgHandle')}</th>
                                        <th>{t('ind.csat')}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {summary.by_agent.map((a) => (
                                        <tr
                                            key={a.user_id}
                                            data-testid='wa-ind-agent-row'
                                        >
                                            <td>{a.name}</td>
                                            <td>{a.conversations}</td>
                                            <td>{formatDuration(a.avg_first_response_seconds)}</td>
                                            <td>{formatDuration(a.avg_handle_seconds)}</td>
                                            <td>{csat(a.csat_avg, a.csat_count)}</td>
                                        </tr>
                                    ))}
                                </tbody>
                            </table>
                        )}
                    </div>
                </>
            )}
            {agents.length > 0 && (
                <div>
                    <h4 className='wahd-ind-section'>{t('ind.agents')}</h4>
                    <table
                        className='wahd-ind-table'
                        data-testid='wa-ind-status'
                    >
                        <tbody>
                            {agents.map((a) => {
                                const state = a.paused ? 'paused' : a.online ? 'online' : 'offline';
                                return (
                                    <tr
                                        key={a.user_id}
                                        data-testid='wa-ind-status-row'
                                        data-state={state}
                                    >
                                        <td>
                                            <span className={`wahd-ind-dot wahd-ind-dot--${state}`}/>
                                            {a.name || a.username}
                                        </td>
                                        <td>{t(`ind.state.${state}`)}</td>
                                        <td>{t('ind.activeLoad', {count: a.active})}</td>
                                    </tr>
                                );
                            })}
                        </tbody>
                    </table>
                </div>
            )}
        </div>
    );
}
