import {act, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {afterEach, describe, expect, it, vi} from 'vitest';

import {ApiError} from '../src/client';
import type {PersonHistory, StartTemplate} from '../src/proactive';

import {NOW, conversation, renderPanel} from './helpers';

const pedido: StartTemplate = {
    name: 'pedido_enviado', language: 'pt_BR', category: 'UTILITY',
    body: 'Olá {{1}}, o pedido {{2}} saiu para entrega.',
    fields: [{kind: 'body', name: '1'}, {kind: 'body', name: '2'}],
};
const promo: StartTemplate = {
    name: 'promo_foto', language: 'pt_BR', category: 'MARKETING', body: 'Veja a novidade!',
    fields: [{kind: 'header_media', name: 'image'}],
};

const started = conversation({
    id: 'c-new', channel_id: 'chan-new', state: 'active', agent_id: 'u1', agent_name: 'alice',
    customer: {id: 'p9', name: '+55 21 98888-7777', phone: '5521988887777'}, last_inbound_at: 0, window_expires_at: 0,
});

/** Answers the routes of proactive conversations and history; anything else fails the test. */
function routes(client: {request: unknown}, answers: Record<string, (body?: unknown) => unknown>) {
    return vi.spyOn(client as {request: (m: string, p: string, b?: unknown) => Promise<unknown>}, 'request').mockImplementation(async (method, path, body) => {
        const answer = answers[`${method} ${path}`];
        if (!answer) {
            throw new Error(`unexpected ${method} ${path}`);
        }
        return answer(body);
    });
}

afterEach(() => {
    delete window.WebappUtils;
});

describe('new conversation', () => {
    it('asks for each placeholder, previews with the cost, and starts the conversation', async () => {
        const push = vi.fn();
        window.WebappUtils = {browserHistory: {push}} as unknown as typeof window.WebappUtils;
        const {client, store} = renderPanel();
        const request = routes(client, {
            'GET start/templates': () => [pedido, promo],
            'POST conversations': () => started,
        });
        act(() => store.dispatch({type: 'channel', channelId: 'queue-chan'}));

        await userEvent.click(screen.getByTestId('wa-start-open'));
        const form = await screen.findByTestId('wa-start-form');
        await waitFor(() => expect(within(form).getByTestId('wa-start-template')).not.toBeDisabled());
        await userEvent.type(within(form).getByTestId('wa-start-phone'), '+55 (21) 8888-7777');
        await userEvent.selectOptions(within(form).getByTestId('wa-start-template'), 'pedido_enviado|pt_BR');

        expect(within(form).getByLabelText('Body {{1}}')).toBeInTheDocument();
        expect(within(form).getByLabelText('Body {{2}}')).toBeInTheDocument();
        await userEvent.type(within(form).getByTestId('wa-start-param-0'), 'Joana');
        const preview = within(form).getByTestId('wa-start-preview');
        expect(preview).toHaveTextContent('Olá Joana, o pedido {{2}} saiu para entrega.');
        expect(preview).toHaveTextContent('1 credit');

        // Every field is needed before anything is sent.
        await userEvent.click(within(form).getByTestId('wa-start-send'));
        expect(within(form).getByTestId('wa-start-error')).toHaveTextContent('Fill in every field');
        expect(request).not.toHaveBeenCalledWith('POST', 'conversations', expect.anything());

        await userEvent.type(within(form).getByTestId('wa-start-param-1'), '4821');
        await userEvent.click(within(form).getByTestId('wa-start-send'));
        await waitFor(() => expect(screen.queryByTestId('wa-start-form')).not.toBeInTheDocument());
        expect(request).toHaveBeenCalledWith('POST', 'conversations', {
            phone: '+55 (21) 8888-7777', template: 'pedido_enviado', language: 'pt_BR', params: ['Joana', '4821'], channel_id: 'queue-chan',
        });
        expect(screen.getByTestId('wa-tab-active')).toHaveAttribute('aria-selected', 'true');
        expect(screen.getByTestId('wa-count-active')).toHaveTextContent('1');
        expect(push).toHaveBeenCalledWith('/support/channels/chan-new');
    });

    it('shows the server refusal and keeps what was typed', async () => {
        const {client} = renderPanel({locale: 'pt-BR'});
        routes(client, {
            'GET start/templates': () => [promo],
            'POST conversations': () => {
                throw new ApiError('Maria (+55 11 98765-4321) pediu para não receber mensagens do WhatsApp', 409);
            },
        });
        await userEvent.click(screen.getByTestId('wa-start-open'));
        const form = await screen.findByTestId('wa-start-form');
        expect(screen.getByTestId('wa-start-open')).toHaveTextContent('Nova conversa');
        await userEvent.type(within(form).getByTestId('wa-start-phone'), '12');
        await waitFor(() => expect(within(form).getByTestId('wa-start-template')).not.toBeDisabled());
        await userEvent.selectOptions(within(form).getByTestId('wa-start-template'), 'promo_foto|pt_BR');
        expect(within(form).getByLabelText('Cabeçalho image (link https ou id de mídia)')).toBeInTheDocument();
        await userEvent.type(within(form).getByTestId('wa-start-param-0'), 'https://example.com/p.png');
        await userEvent.click(within(form).getByTestId('wa-start-send'));
        expect(within(form).getByTestId('wa-start-error')).toHaveTextContent('código do país');

        await userEvent.clear(within(form).getByTestId('wa-start-phone'));
        await userEvent.type(within(form).getByTestId('wa-start-phone'), '+55 11 98765-4321');
        await userEvent.click(within(form).getByTestId('wa-start-send'));
        expect(await within(form).findByText(/pediu para não receber/)).toBeInTheDocument();
        expect(within(form).getByTestId('wa-start-param-0')).toHaveValue('https://example.com/p.png');
    });
});

describe('customer history', () => {
    const current = conversation({id: 'c3', channel_id: 'chan3', state: 'active', customer: {id: 'p3', name: 'Ana Costa', phone: '551134567890'}});
    const history: PersonHistory = {
        id: 'p3', name: 'Ana Costa', phone: '5511934567890', opted_out: true,
        conversations: [
            {id: 'c3', state: 'active', created_at: NOW - 1000, team_name: 'support', channel_id: 'chan3', channel: 'wa-c3'},
            {id: 'c1', state: 'closed', created_at: NOW - 86_400_000, closed_at: NOW - 80_000_000, agent: 'Alice', agent_id: 'u1', ticket_id: 't1', team_name: 'support', channel_id: 'chan1', channel: 'wa-c1'},
        ],
        tickets: [{id: 't1', subject: 'Pedido atrasado', status: 'saved', conversation_id: 'c1', created_at: NOW - 80_000_000}],
    };

    it('lists the earlier conversations of the channel\'s customer with their tickets and opens one', async () => {
        const push = vi.fn();
        window.WebappUtils = {browserHistory: {push}} as unknown as typeof window.WebappUtils;
        const {client, store} = renderPanel({data: {active: [current]}});
        const request = routes(client, {
            'GET people/p3': () => history,
            'POST conversations/c1/join': () => ({...current, id: 'c1', state: 'closed'}),
        });
        expect(screen.queryByTestId('wa-history')).not.toBeInTheDocument();
        act(() => store.dispatch({type: 'channel', channelId: 'chan3'}));

        const section = await screen.findByTestId('wa-history');
        expect(section).toHaveTextContent('History of Ana Costa');
        expect(within(section).getByTestId('wa-history-optout')).toHaveTextContent('Opted out');
        expect(within(section).queryByTestId('wa-history-c3')).not.toBeInTheDocument();
        const row = within(section).getByTestId('wa-history-c1');
        expect(row).toHaveTextContent('Ended');
        expect(row).toHaveTextContent('Alice');
        expect(row).toHaveTextContent('Ticket: Pedido atrasado (Saved)');

        await userEvent.click(within(row).getByTestId('wa-history-open-c1'));
        await waitFor(() => expect(push).toHaveBeenCalledWith('/support/channels/chan1'));
        expect(request).toHaveBeenCalledWith('POST', 'conversations/c1/join');

        // Another channel that is no conversation: no history.
        act(() => store.dispatch({type: 'channel', channelId: 'town-square'}));
        expect(screen.queryByTestId('wa-history')).not.toBeInTheDocument();
    });
});
