import {act, fireEvent, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {describe, expect, it, vi} from 'vitest';

import {ApiError} from '../src/client';
import {WS_EVENTS} from '../src/contract';

import {NOW, conversation, credits, paged, renderPanel, ticket, wsEvent} from './helpers';

const waitingMaria = conversation();
const waitingJohn = conversation({
    id: 'c2',
    channel_id: 'chan2',
    customer: {id: 'p2', name: 'John Smith', phone: '+14155550100', wa_id: '14155550100'},
    created_at: NOW - 3_725_000,
    window_expires_at: NOW - 1000,
});
const activeAna = conversation({
    id: 'c3',
    channel_id: 'chan3',
    state: 'active',
    customer: {id: 'p3', name: 'Ana Costa', phone: '551134567890', wa_id: '551134567890'},
    agent_id: 'u1',
    agent_name: 'agent.ana',
    attended_at: NOW - 30_000,
    status: 'pending',
});

describe('panel tabs', () => {
    it('renders waiting, active and draft rows from the client', async () => {
        const {spies} = renderPanel({data: {waiting: [waitingMaria, waitingJohn], active: [activeAna], drafts: [ticket()]}});

        const maria = await screen.findByTestId('wa-row-c1');
        expect(spies.getConversations).toHaveBeenCalledWith('waiting');
        expect(spies.getConversations).toHaveBeenCalledWith('active');
        expect(spies.getTickets).toHaveBeenCalledWith('draft');
        expect(spies.getCredits).toHaveBeenCalled();

        // Origin badge, name, formatted phone, agent, window.
        expect(within(maria).getByText('WhatsApp')).toBeInTheDocument();
        expect(within(maria).getByText('Maria Silva')).toBeInTheDocument();
        expect(within(maria).getByText('+55 11 98765-4321')).toBeInTheDocument();
        expect(within(maria).getByText('Unassigned')).toBeInTheDocument();
        expect(within(maria).getByTestId('wa-attend-c1')).toHaveTextContent('Attend');
        const john = screen.getByTestId('wa-row-c2');
        expect(within(john).getByText('+1 415 555 0100')).toBeInTheDocument();
        expect(within(john).getByTestId('wa-window-c2')).toHaveTextContent('Expired');
        expect(screen.getByRole('columnheader', {name: 'Origin'})).toBeInTheDocument();
        expect(screen.getByRole('heading', {name: 'Conversations waiting for attendance'})).toBeInTheDocument();

        // Longest-waiting first.
        const rows = within(screen.getByTestId('wa-table-waiting')).getAllByTestId(/^wa-row-/);
        expect(rows.map((r) => r.dataset.testid)).toEqual(['wa-row-c2', 'wa-row-c1']);

        expect(screen.getByTestId('wa-count-waiting')).toHaveTextContent('2');
        expect(screen.getByTestId('wa-count-active')).toHaveTextContent('1');
        expect(screen.getByTestId('wa-count-drafts')).toHaveTextContent('1');

        await userEvent.click(screen.getByTestId('wa-tab-active'));
        expect(screen.getByTestId('wa-tab-active')).toHaveAttribute('aria-selected', 'true');
        const ana = screen.getByTestId('wa-row-c3');
        expect(within(ana).getByText('agent.ana')).toBeInTheDocument();
        expect(within(ana).getByText('+55 11 3456-7890')).toBeInTheDocument();
        expect(within(ana).queryByTestId('wa-attend-c3')).toBeNull();
        expect(screen.queryByTestId('wa-row-c1')).toBeNull();

        await userEvent.click(screen.getByTestId('wa-tab-drafts'));
        expect(screen.getByTestId('wa-ticket-t1')).toBeInTheDocument();
    });

    it('shows empty states', async () => {
        renderPanel();
        expect(await screen.findByText('No conversations waiting for attendance.')).toBeInTheDocument();
    });

    it('navigates to the conversation channel when a row is clicked', async () => {
        const push = vi.fn();
        window.WebappUtils = {browserHistory: {push}};
        renderPanel({data: {waiting: [waitingMaria]}});
        await userEvent.click(await screen.findByTestId('wa-row-c1'));
        expect(push).toHaveBeenCalledWith('/support/channels/chan1');

        // The customer name is a real link too (keyboard, middle click, no router).
        expect(screen.getByRole('link', {name: 'Open the conversation with Maria Silva'})).toHaveAttribute('href', '/support/channels/chan1');
    });
});

describe('attend', () => {
    it('calls the API and the row moves to In attendance with its answer', async () => {
        const {spies, helpdesk} = renderPanel({data: {waiting: [waitingMaria]}});
        await userEvent.click(await screen.findByTestId('wa-attend-c1'));
        expect(spies.attend).toHaveBeenCalledWith('c1');

        // The answer {conversation, notices} already says it is active.
        await waitFor(() => expect(screen.queryByTestId('wa-row-c1')).toBeNull());
        expect(screen.queryByTestId('wa-notices')).toBeNull();

        // The websocket update that follows changes nothing more.
        act(() => {
            helpdesk.onConversationEvent(wsEvent(WS_EVENTS.conversationUpdated, 'conversation', {
                ...waitingMaria,
                state: 'active',
                agent_id: 'u1',
                agent_name: 'agent.ana',
                attended_at: Date.now(),
            }));
        });
        expect(screen.queryByTestId('wa-row-c1')).toBeNull();
        expect(screen.getByTestId('wa-count-active')).toHaveTextContent('1');

        await userEvent.click(screen.getByTestId('wa-tab-active'));
        expect(within(screen.getByTestId('wa-row-c1')).getByText('agent.ana')).toBeInTheDocument();
    });

    it('shows the notices the attend answer carries, such as a start message not sent', async () => {
        renderPanel({data: {waiting: [waitingMaria], attendNotices: ['Not sent: there are no credits left.']}});
        await userEvent.click(await screen.findByTestId('wa-attend-c1'));
        const notices = await screen.findByTestId('wa-notices');
        expect(notices).toHaveTextContent('Not sent: there are no credits left.');
        await userEvent.click(within(notices).getByRole('button', {name: 'Dismiss'}));
        expect(screen.queryByTestId('wa-notices')).toBeNull();
    });

    it('shows the API error inline on the row', async () => {
        const {spies} = renderPanel({data: {waiting: [waitingMaria]}});
        spies.attend.mockRejectedValueOnce(new ApiError('conversation already attended by agent.bob', 409));
        await userEvent.click(await screen.findByTestId('wa-attend-c1'));
        const error = await screen.findByTestId('wa-row-error-c1');
        expect(error).toHaveTextContent('conversation already attended by agent.bob');
        expect(error).toHaveAttribute('role', 'alert');
        expect(screen.getByTestId('wa-attend-c1')).toBeEnabled();
    });

    it('shows a failed load as a panel error', async () => {
        const {spies} = renderPanel({data: {}});
        spies.getConversations.mockRejectedValue(new ApiError('only agents may use the helpdesk', 403));
        await userEvent.click(await screen.findByTestId('wa-refresh'));
        expect(await screen.findByTestId('wa-error')).toHaveTextContent('only agents may use the helpdesk');
    });

    it('ends an active chat after confirmation', async () => {
        const {spies} = renderPanel({data: {active: [activeAna]}, tab: 'active'});
        await userEvent.click(await screen.findByTestId('wa-close-c3'));
        expect(spies.close).not.toHaveBeenCalled();
        await userEvent.click(screen.getByTestId('wa-close-confirm-c3'));
        expect(spies.close).toHaveBeenCalledWith('c3');
    });
});

describe('clocks', () => {
    it('ticks the waiting time every second', async () => {
        vi.useFakeTimers({now: NOW});
        renderPanel({data: {waiting: [waitingMaria, waitingJohn]}});
        await act(async () => {
            await vi.advanceTimersByTimeAsync(0);
        });
        expect(screen.getByTestId('wa-wait-c1')).toHaveTextContent('1:05');
        expect(screen.getByTestId('wa-wait-c2')).toHaveTextContent('1:02:05');
        expect(screen.getByTestId('wa-window-c1')).toHaveTextContent('23h 58m left');

        act(() => {
            vi.advanceTimersByTime(1000);
        });
        expect(screen.getByTestId('wa-wait-c1')).toHaveTextContent('1:06');
        expect(screen.getByTestId('wa-wait-c2')).toHaveTextContent('1:02:06');

        act(() => {
            vi.advanceTimersByTime(60_000);
        });
        expect(screen.getByTestId('wa-wait-c1')).toHaveTextContent('2:06');
    });

    it('shows time in attendance for active conversations', async () => {
        vi.useFakeTimers({now: NOW});
        renderPanel({data: {active: [activeAna]}, tab: 'active'});
        await act(async () => {
            await vi.advanceTimersByTimeAsync(0);
        });
        expect(screen.getByTestId('wa-wait-c3')).toHaveTextContent('0:30');
        act(() => {
            vi.advanceTimersByTime(2000);
        });
        expect(screen.getByTestId('wa-wait-c3')).toHaveTextContent('0:32');
        fireEvent.click(screen.getByTestId('wa-tab-waiting'));
        expect(screen.getByTestId('wa-empty-waiting')).toBeInTheDocument();
    });
});

describe('credits', () => {
    it('shows the balance in the header', async () => {
        renderPanel({data: {credits: credits()}});
        expect(await screen.findByTestId('wa-credits')).toHaveTextContent('990 credits');
        expect(screen.queryByTestId('wa-credits-low')).toBeNull();
    });

    it('warns when the balance is at or below the threshold, and follows websocket updates', async () => {
        const {helpdesk} = renderPanel({data: {credits: credits({balance: 50, used: 950})}});
        expect(await screen.findByTestId('wa-credits-low')).toHaveTextContent('Low credit balance: 50 left');
        expect(screen.getByTestId('wa-credits')).toHaveClass('wahd-credits--low');

        act(() => {
            helpdesk.onCreditsEvent(wsEvent(WS_EVENTS.creditsUpdated, 'credits', credits({balance: 0, used: 1000})));
        });
        expect(screen.getByTestId('wa-credits-low')).toHaveTextContent('No credits left');

        act(() => {
            helpdesk.onCreditsEvent(wsEvent(WS_EVENTS.creditsUpdated, 'credits', credits({balance: 500, granted: 1500, used: 1000})));
        });
        expect(screen.getByTestId('wa-credits')).toHaveTextContent('500 credits');
        expect(screen.queryByTestId('wa-credits-low')).toBeNull();
    });
});

describe('Brazilian Portuguese', () => {
    it('uses the pt-BR labels from the reference article', async () => {
        renderPanel({locale: 'pt-BR', data: {waiting: [waitingMaria], active: [activeAna], drafts: [ticket()], credits: credits({balance: 20})}});
        const row = await screen.findByTestId('wa-row-c1');
        expect(screen.getByRole('heading', {name: 'Conversas aguardando atendimento'})).toBeInTheDocument();
        expect(screen.getByRole('columnheader', {name: 'Origem'})).toBeInTheDocument();
        expect(screen.getByRole('columnheader', {name: 'Cliente'})).toBeInTheDocument();
        expect(within(row).getByTestId('wa-attend-c1')).toHaveTextContent('Atender');
        expect(within(row).getByRole('button', {name: 'Atender Maria Silva'})).toBeInTheDocument();
        expect(screen.getByTestId('wa-credits-low')).toHaveTextContent('Saldo de créditos baixo');
        expect(screen.getByTestId('wa-tab-waiting')).toHaveTextContent('Aguardando');

        await userEvent.click(screen.getByTestId('wa-tab-active'));
        expect(screen.getByRole('heading', {name: 'Conversas em atendimento'})).toBeInTheDocument();
        expect(screen.getByTestId('wa-close-c3')).toHaveTextContent('Encerrar chat');

        await userEvent.click(screen.getByTestId('wa-tab-drafts'));
        const card = screen.getByTestId('wa-ticket-t1');
        expect(within(card).getByLabelText('Assunto')).toHaveValue('Maria Silva');
        expect(within(card).getByTestId('wa-ticket-save-t1')).toHaveTextContent('Salvar');
        expect(within(card).getByText(/Criar uma nova pessoa/)).toBeInTheDocument();
        expect(within(card).getByTestId('wa-ticket-status-t1')).toHaveTextContent('Rascunho');
    });

    it('switches language when the store locale changes', async () => {
        const {store} = renderPanel({data: {waiting: [waitingMaria]}});
        expect(await screen.findByTestId('wa-attend-c1')).toHaveTextContent('Attend');
        act(() => store.dispatch({type: 'locale', locale: 'pt-BR'}));
        expect(screen.getByTestId('wa-attend-c1')).toHaveTextContent('Atender');
    });
});

describe('refresh', () => {
    it('replaces the lists with what the server answers', async () => {
        const {spies} = renderPanel({data: {waiting: [waitingMaria]}});
        await screen.findByTestId('wa-row-c1');
        spies.getConversations.mockImplementation(async (state) => paged(state === 'waiting' ? [waitingJohn] : []));
        await userEvent.click(screen.getByTestId('wa-refresh'));
        await waitFor(() => expect(screen.queryByTestId('wa-row-c1')).toBeNull());
        expect(screen.getByTestId('wa-row-c2')).toBeInTheDocument();
    });
});
