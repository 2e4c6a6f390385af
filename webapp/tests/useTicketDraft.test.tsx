import {act, renderHook} from '@testing-library/react';
import {describe, expect, it} from 'vitest';

import {ApiError} from '../src/client';
import {e164, useTicketDraft} from '../src/components/useTicketDraft';

import {helpdeskFor, ticket, type MockData} from './helpers';

const draft = ticket();

function renderDraft(data: MockData = {drafts: [draft]}, t = draft) {
    const env = helpdeskFor(data);
    const hook = renderHook(() => useTicketDraft(t), {wrapper: env.wrapper});
    return {...env, hook, current: () => hook.result.current};
}

describe('useTicketDraft', () => {
    it('starts from the ticket: subject, conversation status, customer and a prefilled new person', () => {
        const {current} = renderDraft();
        expect(current().subject).toBe('Maria Silva');
        expect(current().conversationStatus).toBe('resolved');
        expect(current().mode).toBe('existing');
        expect(current().selected).toEqual(draft.customer);
        expect(current().newPerson).toEqual({name: 'Maria Silva', phone: '+5511987654321', email: ''});
        expect(current().errors).toEqual({});
    });

    it('falls back to the customer name for an empty subject', () => {
        const {current} = renderDraft(undefined, ticket({subject: ''}));
        expect(current().subject).toBe('Maria Silva');
    });

    it('refuses to save without a subject, or a new person without a name or with a bad email', async () => {
        const {current, spies} = renderDraft();
        act(() => current().setSubject('  '));
        act(() => current().switchToNew());
        act(() => current().setNewPerson({name: ' ', email: 'not-an-email'}));
        await act(() => current().save());
        expect(current().errors).toEqual({
            subject: 'Subject is required.',
            name: 'The new person needs a name.',
            email: 'The email address is not valid.',
        });
        expect(spies.updateTicket).not.toHaveBeenCalled();
        expect(spies.saveTicket).not.toHaveBeenCalled();

        // Back to an existing person: the new person's errors go, the subject's stays.
        act(() => current().switchToExisting());
        expect(current().errors).toEqual({subject: 'Subject is required.'});
    });

    it('patches the trimmed subject, a changed status and the chosen person, then saves into the store', async () => {
        const {current, spies, store} = renderDraft();
        act(() => current().setSubject('  Pedido atrasado '));
        act(() => current().setConversationStatus(' aguardando peça '));
        act(() => current().choose({id: 'p7', name: 'Mariana Souza'}));
        await act(() => current().save());
        expect(spies.updateTicket).toHaveBeenCalledWith('t1', {subject: 'Pedido atrasado', status: 'aguardando peça', customer_id: 'p7'});
        expect(spies.saveTicket).toHaveBeenCalledWith('t1');
        expect(store.getState().tickets.t1.status).toBe('saved');
    });

    it('leaves an unchanged status out and sends a new person trimmed, without empty fields', async () => {
        const {current, spies} = renderDraft();
        act(() => current().switchToNew());
        act(() => current().setNewPerson({name: ' Nova Pessoa ', phone: ' ', email: ' nova@example.com '}));
        await act(() => current().save());
        expect(spies.updateTicket).toHaveBeenCalledWith('t1', {subject: 'Maria Silva', new_customer: {name: 'Nova Pessoa', email: 'nova@example.com'}});
    });

    it('keeps the API error, re-enables Save, and does not create the new person twice', async () => {
        const {current, spies, store} = renderDraft();
        spies.updateTicket.mockResolvedValueOnce({...draft, customer: {id: 'p-new', name: 'Nova Pessoa'}});
        spies.saveTicket.mockRejectedValueOnce(new ApiError('temporarily unavailable', 503));
        act(() => current().switchToNew());
        act(() => current().setNewPerson({name: 'Nova Pessoa'}));
        await act(() => current().save());
        expect(current().errors).toEqual({api: 'temporarily unavailable'});
        expect(current().saving).toBe(false);
        expect(current().mode).toBe('existing');
        expect(current().selected).toEqual({id: 'p-new', name: 'Nova Pessoa'});
        expect(store.getState().tickets.t1).toBeUndefined();

        await act(() => current().save());
        expect(spies.updateTicket).toHaveBeenLastCalledWith('t1', {subject: 'Maria Silva', customer_id: 'p-new'});
        expect(store.getState().tickets.t1.status).toBe('saved');
    });

    it('records what the save answered even when it omits the saved status', async () => {
        const {current, spies, store} = renderDraft();
        spies.saveTicket.mockResolvedValueOnce({...draft, status: 'draft'});
        await act(() => current().save());
        expect(store.getState().tickets.t1.status).toBe('saved');
    });

    it('shows a search failure with the other API errors', () => {
        const {current} = renderDraft();
        act(() => current().setApiError('search is down'));
        expect(current().errors.api).toBe('search is down');
    });
});

describe('e164', () => {
    it.each([
        ['5511987654321', '+5511987654321'],
        ['+55 11 98765-4321', '+55 11 98765-4321'],
        ['123', '123'],
        [undefined, ''],
    ])('%s -> %s', (raw, want) => {
        expect(e164(raw)).toBe(want);
    });
});
