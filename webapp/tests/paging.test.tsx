import {screen, waitFor} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {describe, expect, it, vi} from 'vitest';

import {Helpdesk} from '../src/helpdesk';
import {PluginStore, conversationsIn} from '../src/store';

import {conversation, mockClient, paged, renderPanel, ticket, wsEvent} from './helpers';

describe('paged lists', () => {
    it('says how many waiting conversations are not shown and loads the next page', async () => {
        const first = Array.from({length: 3}, (_, i) => conversation({id: `c${i}`, created_at: i + 1}));
        const {spies} = renderPanel({data: {waiting: first}});
        spies.getConversations.mockImplementation(async (state, page = 0) => {
            if (state !== 'waiting') {
                return paged([]);
            }
            return page === 0 ? paged(first, 5) : paged([conversation({id: 'c3', created_at: 4}), conversation({id: 'c4', created_at: 5})], 5);
        });
        await userEvent.click(await screen.findByTestId('wa-refresh'));
        await waitFor(() => expect(screen.getByTestId('wa-more-waiting')).toHaveTextContent('2 more not shown'));

        await userEvent.click(screen.getByTestId('wa-load-more-waiting'));
        await waitFor(() => expect(screen.getByTestId('wa-row-c4')).toBeInTheDocument());
        expect(spies.getConversations).toHaveBeenLastCalledWith('waiting', 1, 100);
        expect(screen.queryByTestId('wa-more-waiting')).toBeNull();
        expect(screen.getAllByTestId(/^wa-row-c/)).toHaveLength(5);
    });

    it('shows a failed next page as an error and keeps what is shown', async () => {
        const {spies} = renderPanel({data: {waiting: [conversation()]}});
        await screen.findByTestId('wa-row-c1');
        spies.getConversations.mockImplementation(async (state, page = 0) => {
            if (page > 0) {
                throw new Error('server down');
            }
            return paged(state === 'waiting' ? [conversation()] : [], state === 'waiting' ? 101 : 0);
        });
        await userEvent.click(screen.getByTestId('wa-refresh'));
        await userEvent.click(await screen.findByTestId('wa-load-more-waiting'));
        expect(await screen.findByRole('alert')).toHaveTextContent('server down');
        expect(screen.getByTestId('wa-row-c1')).toBeInTheDocument();
    });
});

describe('ticket events carry summaries', () => {
    it('keeps a known transcript and fetches the transcript of a draft it has not seen', async () => {
        const {client, spies} = mockClient({drafts: [ticket()]});
        const full = ticket({id: 't2', transcript: [{direction: 'inbound', text: 'oi', at: 1, author: 'Maria'}]});
        const getTicket = vi.spyOn(client, 'getTicket').mockResolvedValue(full);
        const store = new PluginStore();
        const helpdesk = new Helpdesk(client, store);
        await helpdesk.refresh();
        expect(spies.getTickets).toHaveBeenCalled();
        const known = store.getState().tickets.t1.transcript;

        const summary = {...ticket({subject: 'Novo assunto'}), transcript: undefined};
        helpdesk.onTicketEvent(wsEvent('x', 'ticket', summary));
        expect(store.getState().tickets.t1.subject).toBe('Novo assunto');
        expect(store.getState().tickets.t1.transcript).toEqual(known);
        expect(getTicket).not.toHaveBeenCalled();

        const unseen = {...full, transcript: undefined};
        helpdesk.onTicketEvent(wsEvent('x', 'ticket', unseen));
        await waitFor(() => expect(store.getState().tickets.t2.transcript).toEqual(full.transcript));
        expect(getTicket).toHaveBeenCalledWith('t2');
        expect(conversationsIn(store.getState().conversations, 'waiting')).toEqual([]);
    });
});
