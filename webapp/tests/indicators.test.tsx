import {fireEvent, render, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import {describe, expect, it, vi} from 'vitest';

import {HourChart} from '../src/components/HourChart';
import {formatDuration, lastDays, type AgentStatus, type Summary} from '../src/indicators';

import {mockClient, renderPanel} from './helpers';

const byHour = Array.from({length: 24}, () => 0);
byHour[9] = 4;
byHour[14] = 2;
byHour[23] = 1;

const summary: Summary = {
    from: '2026-11-27', to: '2026-12-03', group: '', time_zone: 'UTC',
    conversations: 7, attended: 6,
    avg_wait_seconds: 240, avg_first_response_seconds: 330, avg_handle_seconds: 760,
    csat_avg: 2.5, csat_count: 4,
    by_agent: [
        {user_id: 'u1', name: 'Ana Lima', conversations: 4, avg_first_response_seconds: 60, avg_handle_seconds: 540, csat_avg: 3, csat_count: 2},
        {user_id: 'u2', name: 'Bruno Reis', conversations: 2, avg_first_response_seconds: 600, avg_handle_seconds: 3720, csat_avg: 0, csat_count: 0},
    ],
    by_hour: byHour,
};

const agents: AgentStatus[] = [
    {user_id: 'u1', username: 'ana', name: 'Ana Lima', online: true, paused: false, active: 2, groups: ['default']},
    {user_id: 'u2', username: 'bruno', name: 'Bruno Reis', online: true, paused: true, active: 0, groups: ['default']},
];

/** The panel on its Indicators tab over a client whose API answers from memory. */
function renderIndicators(locale: 'en' | 'pt-BR' = 'en') {
    const {client} = mockClient();
    let paused = false;
    const request = vi.spyOn(client, 'request').mockImplementation(async (method: string, path: string, body?: unknown) => {
        if (path.startsWith('reports/summary?')) {
            return summary;
        }
        if (path === 'agents') {
            return {items: agents.map((a) => (a.user_id === 'u1' ? {...a, paused} : a)), paused};
        }
        if (method === 'POST' && path === 'agents/me/pause') {
            paused = (body as {paused: boolean}).paused;
            return {paused};
        }
        throw new Error(`unexpected ${method} ${path}`);
    });
    return {...renderPanel({tab: 'indicators', locale, client}), request};
}

describe('HourChart', () => {
    it('draws 24 bars scaled to the busiest hour, with a tooltip each', () => {
        render(
            <HourChart
                counts={byHour}
                label='chart'
                barTitle={(h, n) => `${h}: ${n}`}
            />,
        );
        const bars = screen.getAllByTestId('wa-hour-bar');
        expect(bars).toHaveLength(24);
        const height = (h: number) => Number(bars[h].getAttribute('height'));
        expect(height(9)).toBe(76); // the peak fills the chart
        expect(height(14)).toBe(38); // half the peak
        expect(height(23)).toBe(19);
        expect(height(0)).toBe(0);
        expect(bars[14].getAttribute('data-count')).toBe('2');
        expect(Number(bars[9].getAttribute('y')) + height(9)).toBe(Number(bars[14].getAttribute('y')) + height(14)); // one baseline
        expect(within(bars[9] as unknown as HTMLElement).getByText('9: 4')).toBeInTheDocument();
        expect(screen.getByRole('img', {name: 'chart'})).toBeInTheDocument();
    });

    it('draws an empty day without dividing by zero', () => {
        render(
            <HourChart
                counts={[]}
                label='empty'
                barTitle={() => ''}
            />,
        );
        const bars = screen.getAllByTestId('wa-hour-bar');
        expect(bars).toHaveLength(24);
        expect(bars.every((b) => b.getAttribute('height') === '0')).toBe(true);
    });
});

describe('Indicators tab', () => {
    it('shows the numbers, the chart, the agents and an Export CSV link', async () => {
        const {request} = renderIndicators();
        expect(await screen.findByTestId('wa-ind-conversations')).toHaveTextContent('7');
        expect(screen.getByTestId('wa-ind-attended')).toHaveTextContent('6');
        expect(screen.getByTestId('wa-ind-wait')).toHaveTextContent('4m 00s');
        expect(screen.getByTestId('wa-ind-first')).toHaveTextContent('5m 30s');
        expect(screen.getByTestId('wa-ind-handle')).toHaveTextContent('12m 40s');
        expect(screen.getByTestId('wa-ind-csat')).toHaveTextContent('2.50 (4)');
        expect(screen.getByText('From 2026-11-27 to 2026-12-03 (UTC days)')).toBeInTheDocument();

        const rows = screen.getAllByTestId('wa-ind-agent-row');
        expect(rows.map((r) => r.textContent)).toEqual(['Ana Lima41m 00s9m 00s3.00', 'Bruno Reis210m 00s1h 02m—']);
        expect(screen.getAllByTestId('wa-hour-bar').map((b) => Number(b.getAttribute('data-count')))).toEqual(byHour);

        const csv = screen.getByTestId('wa-ind-csv');
        expect(csv).toHaveTextContent('Export CSV');
        expect(csv.getAttribute('href')).toMatch(/\/reports\/agents\.csv\?from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d$/);

        const status = await screen.findAllByTestId('wa-ind-status-row');
        expect(status.map((r) => r.getAttribute('data-state'))).toEqual(['online', 'paused']);
        expect(status[1]).toHaveTextContent('Paused');
        expect(status[0]).toHaveTextContent('2 in attendance');
        expect(request).toHaveBeenCalledWith('GET', expect.stringMatching(/^reports\/summary\?from=.*&to=/));
    });

    it('asks for another period', async () => {
        const {request} = renderIndicators();
        await screen.findByTestId('wa-ind-conversations');
        fireEvent.change(screen.getByTestId('wa-ind-period'), {target: {value: '30'}});
        const {from, to} = lastDays(30);
        await waitFor(() => expect(request).toHaveBeenCalledWith('GET', `reports/summary?from=${from}&to=${to}`));
    });

    it('pauses and resumes the agent with the switch', async () => {
        const user = userEvent.setup();
        const {request} = renderIndicators();
        const sw = await screen.findByTestId('wa-pause-switch');
        expect(sw).toBeChecked();
        expect(screen.getByText('Receiving conversations')).toBeInTheDocument();
        await user.click(sw);
        await waitFor(() => expect(sw).not.toBeChecked());
        expect(request).toHaveBeenCalledWith('POST', 'agents/me/pause', {paused: true});
        expect(screen.getByText('Paused: no automatic distribution')).toBeInTheDocument();
        await waitFor(() => expect(screen.getAllByTestId('wa-ind-status-row')[0].getAttribute('data-state')).toBe('paused'));
        await user.click(sw);
        await waitFor(() => expect(sw).toBeChecked());
        expect(request).toHaveBeenCalledWith('POST', 'agents/me/pause', {paused: false});
    });

    it('speaks Brazilian Portuguese', async () => {
        renderIndicators('pt-BR');
        await screen.findByTestId('wa-ind-conversations');
        expect(screen.getByTestId('wa-tab-indicators')).toHaveTextContent('Indicadores');
        expect(screen.getByText('Tempo médio de espera')).toBeInTheDocument();
        expect(screen.getByText('Conversas por hora')).toBeInTheDocument();
        expect(screen.getByTestId('wa-ind-csv')).toHaveTextContent('Exportar CSV');
        expect(screen.getByText('Recebendo conversas')).toBeInTheDocument();
    });

    it('formats durations', () => {
        expect(formatDuration(0)).toBe('0s');
        expect(formatDuration(59)).toBe('59s');
        expect(formatDuration(330)).toBe('5m 30s');
        expect(formatDuration(3720)).toBe('1h 02m');
    });
});
