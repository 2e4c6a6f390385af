import {act, screen, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {describe, expect, it} from 'vitest';

import {ApiError} from '../src/client';
import {WS_EVENTS} from '../src/contract';

import {renderPanel, ticket, wsEvent, type MockData} from './helpers';

const draft = ticket();
const other = ticket({id: 't2', conversation_id: 'c8', subject: 'Boleto', customer: {id: 'p5', name: 'Pedro', phone: '5521998887777'}, created_at: draft.created_at - 1000});

async function openDrafts(data: MockData = {drafts: [draft, other]}) {
    const rendered = renderPanel({data, tab: 'drafts'});
    const card = await screen.findByTestId('wa-ticket-t1');
    return {...rendered, card};
}

describe('draft tickets', () => {
    it('shows the draft with prefilled subject, customer, status and an expandable transcript', async () => {
        const {card} = await openDrafts();
        const t = within(card);
        expect(t.getByTestId('wa-ticket-subject-t1')).toHaveValue('Maria Silva');
        expect(t.getByTestId('wa-ticket-customer-t1')).toHaveTextContent('Maria Silva · +55 11 98765-4321');
        expect(t.getByTestId('wa-ticket-status-t1')).toHaveTextContent('Draft');
        expect(t.getByTestId('wa-ticket-conversation-status-t1')).toHaveValue('resolved');

        const toggle = t.getByTestId('wa-ticket-transcript-toggle-t1');
        expect(toggle).toHaveAttribute('aria-expanded', 'false');
        expect(toggle).toHaveTextContent('Show transcript (2 messages)');
        expect(t.queryByTestId('wa-ticket-transcript-t1')).toBeNull();
        await userEvent.click(toggle);
        expect(toggle).toHaveAttribute('aria-expanded', 'true');
        const transcript = t.getByTestId('wa-ticket-transcript-t1');
        expect(within(transcript).getByText('Olá, meu pedido não chegou')).toBeInTheDocument();
        expect(within(transcript).getByText(/nota\.pdf/)).toBeInTheDocument();
        expect(within(transcript).getAllByRole('listitem')).toHaveLength(2);
    });

    it('validates, then saves with a new person, and the ticket leaves the tab', async () => {
        const {card, spies} = await openDrafts();
        const t = within(card);

        // Empty subject and a new person without a name: both refused before any call.
        await userEvent.clear(t.getByTestId('wa-ticket-subject-t1'));
        await userEvent.click(t.getByTestId('wa-create-person-t1'));
        const name = t.getByTestId('wa-new-person-name');
        expect(name).toHaveValue('Maria Silva'); // prefilled from the WhatsApp profile
        expect(t.getByTestId('wa-new-person-phone')).toHaveValue('+5511987654321');
        await userEvent.clear(name);
        await userEvent.click(t.getByTestId('wa-ticket-save-t1'));
        expect(t.getByTestId('wa-ticket-subject-error-t1')).toHaveTextContent('Subject is required.');
        expect(t.getByTestId('wa-new-person-name-error-t1')).toHaveTextContent('The new person needs a name.');
        expect(t.getByTestId('wa-ticket-subject-t1')).toHaveAttribute('aria-invalid', 'true');
        expect(t.getByTestId('wa-ticket-subject-t1')).toHaveFocus();
        expect(spies.updateTicket).not.toHaveBeenCalled();
        expect(spies.saveTicket).not.toHaveBeenCalled();

        await userEvent.type(t.getByTestId('wa-ticket-subject-t1'), 'Pedido atrasado');
        await userEvent.type(name, 'Maria da Silva');
        await userEvent.clear(t.getByTestId('wa-new-person-phone'));
        await userEvent.type(t.getByTestId('wa-new-person-phone'), '+55 11 98765-4321');
        await userEvent.type(t.getByTestId('wa-new-person-email'), 'maria@example.com');
        await userEvent.click(t.getByTestId('wa-ticket-save-t1'));

        expect(spies.updateTicket).toHaveBeenCalledWith('t1', {
            subject: 'Pedido atrasado',
            new_customer: {name: 'Maria da Silva', phone: '+55 11 98765-4321', email: 'maria@example.com'},
        });
        expect(spies.saveTicket).toHaveBeenCalledWith('t1');
        expect(screen.queryByTestId('wa-ticket-t1')).toBeNull();
        expect(screen.getByTestId('wa-ticket-t2')).toBeInTheDocument();
        expect(screen.getByTestId('wa-count-drafts')).toHaveTextContent('1');
    });

    it('sends a changed conversation status with the save, and leaves it out when unchanged', async () => {
        const {card, spies} = await openDrafts();
        const t = within(card);
        const status = t.getByTestId('wa-ticket-conversation-status-t1');
        await userEvent.clear(status);
        await userEvent.type(status, 'aguardando peça');
        await userEvent.click(t.getByTestId('wa-ticket-save-t1'));
        expect(spies.updateTicket).toHaveBeenCalledWith('t1', {subject: 'Maria Silva', status: 'aguardando peça', customer_id: 'p1'});

        const second = within(screen.getByTestId('wa-ticket-t2'));
        await userEvent.click(second.getByTestId('wa-ticket-save-t2'));
        expect(spies.updateTicket).toHaveBeenLastCalledWith('t2', {subject: 'Boleto', customer_id: 'p5'});
    });

    it('rejects an invalid email for a new person', async () => {
        const {card, spies} = await openDrafts();
        const t = within(card);
        await userEvent.click(t.getByTestId('wa-create-person-t1'));
        await userEvent.type(t.getByTestId('wa-new-person-email'), 'not-an-email');
        await userEvent.click(t.getByTestId('wa-ticket-save-t1'));
        expect(t.getByText('The email address is not valid.')).toBeInTheDocument();
        expect(spies.updateTicket).not.toHaveBeenCalled();
    });

    it('shows an API error inline and keeps the draft', async () => {
        const {card, spies} = await openDrafts();
        const t = within(card);
        spies.saveTicket.mockRejectedValueOnce(new ApiError('ticket is locked by another agent', 409));
        await userEvent.click(t.getByTestId('wa-ticket-save-t1'));
        const error = await t.findByTestId('wa-ticket-error-t1');
        expect(error).toHaveTextContent('ticket is locked by another agent');
        expect(error).toHaveAttribute('role', 'alert');
        expect(screen.getByTestId('wa-ticket-t1')).toBeInTheDocument();
        expect(t.getByTestId('wa-ticket-save-t1')).toBeEnabled();

        // The default customer goes as customer_id.
        expect(spies.updateTicket).toHaveBeenCalledWith('t1', {subject: 'Maria Silva', customer_id: 'p1'});

        // Retrying works.
        await userEvent.click(t.getByTestId('wa-ticket-save-t1'));
        expect(screen.queryByTestId('wa-ticket-t1')).toBeNull();
    });

    it('does not create the new person twice when the save step fails after the patch', async () => {
        const {card, spies} = await openDrafts();
        const t = within(card);
        spies.updateTicket.mockResolvedValueOnce({...draft, customer: {id: 'p-new', name: 'Nova Pessoa'}});
        spies.saveTicket.mockRejectedValueOnce(new ApiError('temporarily unavailable', 503));
        await userEvent.click(t.getByTestId('wa-create-person-t1'));
        await userEvent.clear(t.getByTestId('wa-new-person-name'));
        await userEvent.type(t.getByTestId('wa-new-person-name'), 'Nova Pessoa');
        await userEvent.click(t.getByTestId('wa-ticket-save-t1'));
        expect(await t.findByTestId('wa-ticket-error-t1')).toHaveTextContent('temporarily unavailable');
        expect(t.getByTestId('wa-ticket-customer-t1')).toHaveTextContent('Nova Pessoa');

        await userEvent.click(t.getByTestId('wa-ticket-save-t1'));
        expect(spies.updateTicket).toHaveBeenLastCalledWith('t1', {subject: 'Maria Silva', customer_id: 'p-new'});
    });

    it('searches existing people as you type and saves with the chosen one', async () => {
        const {card, spies} = await openDrafts({drafts: [draft], people: [
            {id: 'p7', name: 'Mariana Souza', phone: '5511912345678', email: 'mariana@example.com'},
            {id: 'p8', name: 'Carlos', phone: '5511900000000'},
        ]});
        const t = within(card);
        await userEvent.type(t.getByTestId('wa-person-search-t1'), 'mari');
        const option = await t.findByTestId('wa-person-option-p7', undefined, {timeout: 2000});
        expect(option).toHaveTextContent('Mariana Souza · +55 11 91234-5678 · mariana@example.com');
        expect(t.queryByTestId('wa-person-option-p8')).toBeNull();
        expect(spies.searchPeople).toHaveBeenLastCalledWith('mari');

        await userEvent.click(option);
        expect(t.getByTestId('wa-ticket-customer-t1')).toHaveTextContent('Mariana Souza');
        await userEvent.click(t.getByTestId('wa-ticket-save-t1'));
        expect(spies.updateTicket).toHaveBeenCalledWith('t1', {subject: 'Maria Silva', customer_id: 'p7'});
        expect(screen.queryByTestId('wa-ticket-t1')).toBeNull();
        expect(screen.getByTestId('wa-empty-drafts')).toHaveTextContent('No draft tickets.');
    });

    it('adds drafts from websocket events and drops saved ones', async () => {
        const {helpdesk} = await openDrafts({drafts: [draft]});
        act(() => helpdesk.onTicketEvent(wsEvent(WS_EVENTS.ticketUpdated, 'ticket', other)));
        expect(screen.getByTestId('wa-ticket-t2')).toBeInTheDocument();
        act(() => helpdesk.onTicketEvent(wsEvent(WS_EVENTS.ticketUpdated, 'ticket', {...draft, status: 'saved'})));
        expect(screen.queryByTestId('wa-ticket-t1')).toBeNull();
    });
});
