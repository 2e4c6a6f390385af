import {render} from '@testing-library/react';
import React from 'react';
import {vi} from 'vitest';

import {Client} from '../src/client';
import {Panel, type TabKey} from '../src/components/Panel';
import {HelpdeskProvider} from '../src/context';
import {Helpdesk} from '../src/helpdesk';
import type {Locale} from '../src/i18n';
import type {GlobalState, Post} from '../src/mattermost';
import {PluginStore, initialState} from '../src/store';
import type {BusinessHours, Conversation, Credits, Paged, Person, Ticket} from '../src/types';

export const NOW = Date.UTC(2025, 4, 20, 15, 0, 0);

export function conversation(overrides: Partial<Conversation> = {}): Conversation {
    return {
        id: 'c1',
        group_id: 'default',
        channel_id: 'chan1',
        team_name: 'support',
        state: 'waiting',
        origin: 'whatsapp',
        customer: {id: 'p1', name: 'Maria Silva', phone: '5511987654321', wa_id: '5511987654321'},
        agent_id: '',
        agent_name: '',
        created_at: NOW - 65_000,
        attended_at: 0,
        closed_at: 0,
        last_inbound_at: NOW - 65_000,
        window_expires_at: NOW - 65_000 + 24 * 3600 * 1000,
        status: '',
        ticket_id: '',
        ...overrides,
    };
}

export function ticket(overrides: Partial<Ticket> = {}): Ticket {
    return {
        id: 't1',
        conversation_id: 'c9',
        channel_id: 'chan9',
        status: 'draft',
        subject: 'Maria Silva',
        customer: {id: 'p1', name: 'Maria Silva', phone: '5511987654321', email: ''},
        conversation_status: 'resolved',
        agent_id: 'u1',
        transcript: [
            {at: NOW - 600_000, author: 'Maria Silva', direction: 'inbound', text: 'Olá, meu pedido não chegou', attachments: []},
            {at: NOW - 500_000, author: 'agent.ana', direction: 'outbound', text: 'Vou verificar!', attachments: ['nota.pdf']},
        ],
        created_at: NOW - 60_000,
        saved_at: 0,
        ...overrides,
    };
}

/** A host post as Mattermost passes it to components: every field of @mattermost/types' Post. */
export function mmPost(overrides: Partial<Omit<Post, 'type'>> & {type?: string} = {}): Post {
    const {type = '', ...rest} = overrides;
    return {
        id: 'post1',
        create_at: NOW,
        update_at: NOW,
        edit_at: 0,
        delete_at: 0,
        is_pinned: false,
        user_id: 'bot1',
        channel_id: 'chan1',
        root_id: '',
        original_id: '',
        message: '',
        type: type as Post['type'], // plugin post types (custom_*) are outside the host's union
        props: {},
        hashtags: '',
        pending_post_id: '',
        reply_count: 0,
        metadata: {embeds: [], emojis: [], files: [], images: {}},
        ...rest,
    };
}

/** A host state with only the slices a test needs (the plugin reads the rest defensively). */
export const hostState = (partial: object): GlobalState => partial as GlobalState;

export const credits = (overrides: Partial<Credits> = {}): Credits => ({granted: 1000, used: 10, balance: 990, low_threshold: 50, ...overrides});

export interface MockData {
    waiting?: Conversation[];
    active?: Conversation[];
    drafts?: Ticket[];
    credits?: Credits;
    people?: Person[];
    attendNotices?: string[];
    hours?: BusinessHours;
}

/** A list as one page of the API's answer. */
export const paged = <T,>(items: T[], total = items.length): Paged<T> => ({items, total});

/** A Client whose every call is a spy answering from `data` (never the network). */
export function mockClient(data: MockData = {}) {
    const client = new Client({baseUrl: 'http://test.invalid/api', fetch: () => Promise.reject(new Error('unexpected network call'))});
    const spies = {
        getConversations: vi.spyOn(client, 'getConversations').mockImplementation(async (state) => paged(state === 'waiting' ? data.waiting ?? [] : state === 'active' ? data.active ?? [] : [])),
        getTickets: vi.spyOn(client, 'getTickets').mockImplementation(async () => data.drafts ?? []),
        getCredits: vi.spyOn(client, 'getCredits').mockImplementation(async () => data.credits ?? credits()),
        getHours: vi.spyOn(client, 'getHours').mockImplementation(async () => data.hours ?? {groups: [], outside_hours: []}),
        // The server's real shapes: POST attend answers {conversation, notices}, close {ticket, notices}.
        attend: vi.spyOn(client, 'attend').mockImplementation(async (id) => {
            const c = [...(data.waiting ?? []), ...(data.active ?? [])].find((x) => x.id === id);
            return {conversation: c && {...c, state: 'active' as const, attended_at: Date.now()}, notices: data.attendNotices ?? []};
        }),
        close: vi.spyOn(client, 'close').mockImplementation(async () => ({notices: []})),
        updateTicket: vi.spyOn(client, 'updateTicket').mockImplementation(async (id, patch) => ({...(data.drafts ?? []).find((t) => t.id === id)!, subject: patch.subject ?? ''})),
        saveTicket: vi.spyOn(client, 'saveTicket').mockImplementation(async (id) => ({...(data.drafts ?? []).find((t) => t.id === id)!, status: 'saved' as const, saved_at: Date.now()})),
        searchPeople: vi.spyOn(client, 'searchPeople').mockImplementation(async (q) => paged((data.people ?? []).filter((p) => p.name.toLowerCase().includes(q.toLowerCase())))),
    };
    return {client, spies};
}

/** A Helpdesk over a mock client, and a wrapper providing it (for hooks and single components). */
export function helpdeskFor(data: MockData = {}, locale: Locale = 'en') {
    const {client, spies} = mockClient(data);
    const store = new PluginStore(initialState(locale));
    const helpdesk = new Helpdesk(client, store);
    const wrapper = ({children}: {children?: React.ReactNode}) => <HelpdeskProvider helpdesk={helpdesk}>{children}</HelpdeskProvider>;
    return {helpdesk, store, spies, wrapper};
}

export function renderPanel(options: {data?: MockData; locale?: Locale; tab?: TabKey; client?: Client} = {}) {
    const mocked = mockClient(options.data);
    const client = options.client ?? mocked.client;
    const store = new PluginStore(initialState(options.locale ?? 'en'));
    const helpdesk = new Helpdesk(client, store);
    const result = render(
        <HelpdeskProvider helpdesk={helpdesk}>
            <Panel initialTab={options.tab}/>
        </HelpdeskProvider>,
    );
    return {...result, helpdesk, store, client, spies: mocked.spies};
}

/** A websocket message the way Mattermost hands it to plugin handlers. */
export const wsEvent = (event: string, key: string, value: unknown) => ({
    event,
    data: {[key]: JSON.stringify(value)},
    broadcast: {},
    seq: 1,
});
