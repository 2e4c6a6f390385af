import {screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {describe, expect, it, vi} from 'vitest';

import {API_PATH, ApiError, Client} from '../src/client';
import {parseTags} from '../src/components/TagEditor';
import type {Person, Ticket, TicketQuery} from '../src/types';

import {conversation, mockClient, paged, renderPanel, ticket} from './helpers';

const maria = ticket({id: 't1', subject: 'Pedido quebrado', tags: ['entrega'], transcript: undefined});
const joana = ticket({id: 't2', subject: 'Boleto', customer: {id: 'p2', name: 'Joana Prado', phone: '5521998765432'}, tags: [], transcript: undefined});

/** The panel on the Tickets tab, over a client whose ticket and people calls are spies. */
function openTickets(found: (q: TicketQuery, page: number) => {items: Ticket[]; total: number} = () => paged([maria, joana])) {
    // The spies are in place before the first render: the tab searches as it mounts.
    const {client} = mockClient();
    const search = vi.spyOn(client, 'searchTickets').mockImplementation(async (q, page = 0) => found(q, page));
    const update = vi.spyOn(client, 'updateTicket').mockImplementation(async (id, patch) => ({...(id === 't1' ? maria : joana), ...patch} as Ticket));
    const updatePerson = vi.spyOn(client, 'updatePerson');
    const mergePerson = vi.spyOn(client, 'mergePerson');
    const searchPeople = vi.spyOn(client, 'searchPeople');
    const rendered = renderPanel({tab: 'tickets', client});
    return {...rendered, search, update, updatePerson, mergePerson, searchPeople};
}

describe('tickets tab', () => {
    it('searches with words, status and tag, shows the total and links the CSV export of the same filters', async () => {
        const {search} = openTickets();
        await waitFor(() => expect(screen.getByTestId('wa-found-t1')).toBeInTheDocument());
        expect(search).toHaveBeenCalledWith({}, 0);
        expect(screen.getByTestId('wa-tickets-total')).toHaveTextContent('1–2 of 2');

        search.mockImplementation(async () => paged([maria]));
        await userEvent.type(screen.getByTestId('wa-tickets-q'), 'quebrado');
        await userEvent.selectOptions(screen.getByTestId('wa-tickets-status'), 'draft');
        await userEvent.type(screen.getByTestId('wa-tickets-tag'), 'entrega');
        await userEvent.click(screen.getByTestId('wa-tickets-search'));
        await waitFor(() => expect(screen.queryByTestId('wa-found-t2')).toBeNull());
        expect(search).toHaveBeenLastCalledWith({q: 'quebrado', status: 'draft', tag: 'entrega'}, 0);
        expect(screen.getByTestId('wa-tickets-total')).toHaveTextContent('1–1 of 1');
        expect(screen.getByTestId('wa-tickets-export').getAttribute('href')).toBe(
            'http://test.invalid/api/tickets/export.csv?q=quebrado&tag=entrega&status=draft');

        search.mockImplementation(async () => paged([]));
        await userEvent.clear(screen.getByTestId('wa-tickets-q'));
        await userEvent.type(screen.getByTestId('wa-tickets-q'), 'nada');
        await userEvent.click(screen.getByTestId('wa-tickets-search'));
        expect(await screen.findByTestId('wa-tickets-empty')).toHaveTextContent('No ticket matches.');
    });

    it('pages through more results than fit', async () => {
        const many = (page: number) => Array.from({length: page === 0 ? 20 : 5}, (_, i) => ticket({id: `p${page}-${i}`, transcript: undefined}));
        const {search} = openTickets((_q, page) => paged(many(page), 25));
        await waitFor(() => expect(screen.getByTestId('wa-tickets-total')).toHaveTextContent('1–20 of 25'));
        expect(screen.getByTestId('wa-tickets-prev')).toBeDisabled();
        await userEvent.click(screen.getByTestId('wa-tickets-next'));
        await waitFor(() => expect(screen.getByTestId('wa-tickets-total')).toHaveTextContent('21–25 of 25'));
        expect(search).toHaveBeenLastCalledWith({}, 1);
        expect(screen.getAllByTestId(/^wa-found-/)).toHaveLength(5);
        expect(screen.getByTestId('wa-tickets-next')).toBeDisabled();
        await userEvent.click(screen.getByTestId('wa-tickets-prev'));
        await waitFor(() => expect(screen.getByTestId('wa-tickets-total')).toHaveTextContent('1–20 of 25'));
    });

    it('adds and removes tags, refusing bad ones before any call, and shows the server refusal', async () => {
        const {update} = openTickets();
        const row = within(await screen.findByTestId('wa-found-t2'));
        await userEvent.type(row.getByTestId('wa-tag-input-t2'), 'x'.repeat(33));
        await userEvent.click(row.getByTestId('wa-tag-add-t2'));
        expect(row.getByTestId('wa-tag-error-t2')).toHaveTextContent('at most 32 characters');
        expect(update).not.toHaveBeenCalled();

        await userEvent.clear(row.getByTestId('wa-tag-input-t2'));
        await userEvent.type(row.getByTestId('wa-tag-input-t2'), 'VIP, Entrega');
        await userEvent.click(row.getByTestId('wa-tag-add-t2'));
        expect(update).toHaveBeenCalledWith('t2', {tags: ['vip', 'entrega']});
        await waitFor(() => expect(row.getByTestId('wa-tag-t2-vip')).toBeInTheDocument());
        expect(row.getByTestId('wa-tag-input-t2')).toHaveValue('');

        await userEvent.click(row.getByRole('button', {name: 'Remove tag vip'}));
        expect(update).toHaveBeenLastCalledWith('t2', {tags: ['entrega']});
        await waitFor(() => expect(row.queryByTestId('wa-tag-t2-vip')).toBeNull());

        update.mockRejectedValueOnce(new ApiError('At most 10 tags: remove one first.', 400));
        await userEvent.type(row.getByTestId('wa-tag-input-t2'), 'outra');
        await userEvent.click(row.getByTestId('wa-tag-add-t2'));
        expect(await row.findByTestId('wa-tag-error-t2')).toHaveTextContent('At most 10 tags');
    });

    it('edits the customer, and a phone of someone else offers merging into them after a confirmation', async () => {
        const {updatePerson, mergePerson, search, searchPeople} = openTickets();
        const row = within(await screen.findByTestId('wa-found-t1'));
        await userEvent.click(row.getByTestId('wa-edit-customer-t1'));
        const editor = within(row.getByTestId('wa-person-editor-p1'));
        expect(editor.getByTestId('wa-person-name')).toHaveValue('Maria Silva');

        updatePerson.mockRejectedValueOnce(new ApiError('The phone +55 21 99876-5432 already belongs to a person.', 409, 'p2'));
        await userEvent.clear(editor.getByTestId('wa-person-phone'));
        await userEvent.type(editor.getByTestId('wa-person-phone'), '+55 21 99876-5432');
        await userEvent.type(editor.getByTestId('wa-person-organization'), 'Loja Azul');
        await userEvent.click(editor.getByTestId('wa-person-save'));
        expect(updatePerson).toHaveBeenCalledWith('p1', {phone: '+55 21 99876-5432', organization: 'Loja Azul'});
        expect(await editor.findByTestId('wa-person-error')).toHaveTextContent('already belongs to a person');
        const confirm = editor.getByTestId('wa-merge-confirm');
        expect(confirm).toHaveTextContent('Merge Maria Silva');
        expect(confirm).toHaveTextContent('cannot be undone');

        // Cancel changes nothing; choosing the person again and confirming merges.
        await userEvent.click(editor.getByTestId('wa-merge-no'));
        expect(editor.queryByTestId('wa-merge-confirm')).toBeNull();
        expect(mergePerson).not.toHaveBeenCalled();

        const joanaPerson: Person = {id: 'p2', name: 'Joana Prado', phone: '5521998765432'};
        searchPeople.mockImplementation(async () => paged([joanaPerson, {id: 'p1', name: 'Maria Silva'}]));
        mergePerson.mockResolvedValueOnce(joanaPerson);
        search.mockImplementation(async () => paged([{...maria, customer: {id: 'p2', name: 'Joana Prado'}}]));
        await userEvent.type(editor.getByTestId('wa-merge-search'), 'Joana');
        await userEvent.click(editor.getByTestId('wa-merge-find'));
        await userEvent.click(await editor.findByTestId('wa-merge-candidate-p2'));
        expect(editor.queryByTestId('wa-merge-candidate-p1')).toBeNull();
        await userEvent.click(editor.getByTestId('wa-merge-yes'));
        expect(mergePerson).toHaveBeenCalledWith('p1', 'p2');
        await waitFor(() => expect(screen.getByTestId('wa-found-t1')).toHaveTextContent('Joana Prado'));
    });
});

describe('conversation tags', () => {
    it('edits the tags of a conversation in attendance, and the row shows the answer', async () => {
        const active = conversation({id: 'c1', state: 'active', agent_id: 'u1', attended_at: Date.now(), tags: ['entrega']});
        const {client} = mockClient({active: [active]});
        const setTags = vi.spyOn(client, 'setConversationTags').mockImplementation(async (_id, tags) => ({...active, tags}));
        renderPanel({tab: 'active', client});
        expect(await screen.findByTestId('wa-tag-c1-entrega')).toBeInTheDocument();
        await userEvent.type(screen.getByTestId('wa-tag-input-c1'), 'Urgente');
        await userEvent.click(screen.getByTestId('wa-tag-add-c1'));
        expect(setTags).toHaveBeenCalledWith('c1', ['entrega', 'urgente']);
        expect(await screen.findByTestId('wa-tag-c1-urgente')).toBeInTheDocument();
        expect(window.location.pathname).toBe('/'); // editing tags does not open the channel
    });
});

describe('a new person with the phone of a person agents made', () => {
    it('offers that person as the customer, and the next Save uses them', async () => {
        const ana: Person = {id: 'p7', name: 'Ana Lima', phone: '552133334444'};
        const {client, spies} = mockClient({drafts: [ticket()], people: [ana]});
        spies.updateTicket.mockRejectedValueOnce(new ApiError('The phone +55 21 3333-4444 already belongs to a person.', 409, 'p7'));
        spies.searchPeople.mockImplementation(async () => paged([ana]));
        renderPanel({tab: 'drafts', client});
        const card = within(await screen.findByTestId('wa-ticket-t1'));
        await userEvent.click(card.getByTestId('wa-create-person-t1'));
        await userEvent.clear(card.getByTestId('wa-new-person-name'));
        await userEvent.type(card.getByTestId('wa-new-person-name'), 'Ana');
        await userEvent.clear(card.getByTestId('wa-new-person-phone'));
        await userEvent.type(card.getByTestId('wa-new-person-phone'), '+55 21 3333-4444');
        await userEvent.click(card.getByTestId('wa-ticket-save-t1'));
        expect(await card.findByTestId('wa-ticket-customer-t1')).toHaveTextContent('Ana Lima');
        expect(card.getByTestId('wa-ticket-error-t1')).toHaveTextContent('Save again to use them');
        expect(spies.searchPeople).toHaveBeenCalledWith('+55 21 3333-4444');
        expect(spies.saveTicket).not.toHaveBeenCalled();

        await userEvent.click(card.getByTestId('wa-ticket-save-t1'));
        expect(spies.updateTicket).toHaveBeenLastCalledWith('t1', {subject: 'Maria Silva', customer_id: 'p7'});
        expect(spies.saveTicket).toHaveBeenCalledWith('t1');
    });
});

describe('draft tickets without transcripts', () => {
    it('fetches the transcript when it is first opened', async () => {
        const summary = ticket({transcript: undefined});
        const {client} = mockClient({drafts: [summary]});
        const getTicket = vi.spyOn(client, 'getTicket').mockImplementation(async () => ticket());
        renderPanel({tab: 'drafts', client});
        const toggle = await screen.findByTestId('wa-ticket-transcript-toggle-t1');
        expect(toggle).toHaveTextContent('Show transcript');
        await userEvent.click(toggle);
        expect(getTicket).toHaveBeenCalledWith('t1');
        expect(await screen.findByText('Olá, meu pedido não chegou')).toBeInTheDocument();
    });
});

describe('tags and the tickets client', () => {
    it('parses typed tags the way the server checks them', () => {
        expect(parseTags('#Entrega, VIP  entrega', [])).toEqual({tags: ['entrega', 'vip']});
        expect(parseTags('x'.repeat(33), ['a'])).toEqual({tags: ['a'], error: 'tags.error.long'});
        expect(parseTags('k', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'])).toMatchObject({error: 'tags.error.many'});
    });

    it('builds the search, export, edit and merge requests and reads person_id from a 409', async () => {
        const calls: string[] = [];
        const fn = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
            calls.push(`${init?.method} ${String(url)} ${init?.body ?? ''}`.trim());
            if (String(url).endsWith('/people/p1')) {
                return new Response(JSON.stringify({error: 'taken', person_id: 'p2'}), {status: 409});
            }
            return new Response(JSON.stringify({items: [], total: 7}), {status: 200});
        });
        const client = new Client({fetch: fn as unknown as typeof fetch});
        expect(await client.searchTickets({q: 'pedido quebrado', tag: '', status: 'saved', from: '2026-12-01T00:00:00Z'}, 2)).toEqual({items: [], total: 7});
        expect(client.ticketsExportUrl({})).toBe(`${API_PATH}/tickets/export.csv`);
        expect(client.ticketsExportUrl({customer_id: 'p1'})).toBe(`${API_PATH}/tickets/export.csv?customer_id=p1`);
        await client.mergePerson('p3', 'p2');
        const refusal = await client.updatePerson('p1', {phone: '+55'}).catch((e: unknown) => e);
        expect(refusal).toBeInstanceOf(ApiError);
        expect((refusal as ApiError).status).toBe(409);
        expect((refusal as ApiError).personId).toBe('p2');
        expect(calls).toEqual([
            `GET ${API_PATH}/tickets?q=pedido%20quebrado&status=saved&from=2026-12-01T00%3A00%3A00Z&page=2&per_page=20`,
            `POST ${API_PATH}/people/p3/merge {"into":"p2"}`,
            `PATCH ${API_PATH}/people/p1 {"phone":"+55"}`,
        ]);
    });
});
