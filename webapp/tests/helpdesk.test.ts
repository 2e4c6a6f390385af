import {describe, expect, it} from 'vitest';

import {Helpdesk, parseEventPayload} from '../src/helpdesk';
import {PluginStore, conversationsIn, initialState, reducer} from '../src/store';
import type {Conversation, Paged} from '../src/types';

import {conversation, mockClient, paged, wsEvent} from './helpers';

describe('helpdesk', () => {
    it('keeps a websocket update that arrives while a refresh is in flight', async () => {
        const {client, spies} = mockClient();
        let release: (list: Paged<Conversation>) => void = () => undefined;
        spies.getConversations.mockImplementation((state) => (state === 'waiting' ? new Promise((resolve) => {
            release = resolve;
        }) : Promise.resolve(paged([]))));
        const store = new PluginStore();
        const helpdesk = new Helpdesk(client, store);
        const refreshing = helpdesk.refresh();

        // The server answered the list before the attend, the event reports it after.
        helpdesk.onConversationEvent(wsEvent('x', 'conversation', conversation({state: 'active', agent_id: 'u1'})));
        release(paged([conversation()]));
        await refreshing;

        const s = store.getState();
        expect(conversationsIn(s.conversations, 'waiting')).toEqual([]);
        expect(conversationsIn(s.conversations, 'active').map((c) => c.id)).toEqual(['c1']);
        expect(s.loaded).toBe(true);
    });

    it('accepts payloads as JSON strings or objects and rejects garbage', () => {
        expect(parseEventPayload({conversation: '{"id":"c1"}'}, 'conversation')).toEqual({id: 'c1'});
        expect(parseEventPayload({conversation: {id: 'c1'}}, 'conversation')).toEqual({id: 'c1'});
        expect(parseEventPayload({conversation: 'nope'}, 'conversation')).toBeNull();
        expect(parseEventPayload(null, 'conversation')).toBeNull();
        expect(parseEventPayload({conversation: '42'}, 'conversation')).toBeNull();
    });

    it('drops closed conversations from the lists', () => {
        let state = initialState();
        state = reducer(state, {type: 'conversation', conversation: conversation({state: 'active'})});
        expect(conversationsIn(state.conversations, 'active')).toHaveLength(1);
        state = reducer(state, {type: 'conversation', conversation: conversation({state: 'closed'})});
        expect(conversationsIn(state.conversations, 'active')).toHaveLength(0);
        expect(conversationsIn(state.conversations, 'waiting')).toHaveLength(0);
    });
});
