import {act, render, screen, waitFor} from '@testing-library/react';
import React from 'react';
import {describe, expect, it, vi} from 'vitest';

import type {HostStore, PluginRegistry, PostTypeComponentProps, WebSocketMessage} from '../src/mattermost';

import {conversation, credits, hostState, mockClient, paged, ticket, wsEvent} from './helpers';

type Handler = (msg: WebSocketMessage) => void;

function fakeRegistry(options: {appBar?: boolean; attachment?: boolean} = {}) {
    const rhs = {id: 'rhs1', showRHSPlugin: {type: 'SHOW'}, hideRHSPlugin: {type: 'HIDE'}, toggleRHSPlugin: {type: 'TOGGLE_RHS'}};
    const ws = new Map<string, Handler>();
    const postTypes = new Map<string, React.ComponentType<PostTypeComponentProps>>();
    const registerAppBarComponent = vi.fn((_iconUrl: string, _action: () => void, _tooltip: React.ReactNode) => 'appbar');
    const registerPostMessageAttachmentComponent = vi.fn((_component: React.ComponentType<{postId: string}>) => 'attachment');
    const registry = {
        registerTranslations: vi.fn((_fn: (locale: string) => Record<string, string>) => undefined),
        registerRightHandSidebarComponent: vi.fn((_component: React.ComponentType, _title: React.ReactNode) => rhs),
        registerChannelHeaderButtonAction: vi.fn(() => 'hdr'),
        registerWebSocketEventHandler: vi.fn((event: string, handler: Handler) => {
            ws.set(event, handler);
        }),
        registerPostTypeComponent: vi.fn((type: string, component: React.ComponentType<PostTypeComponentProps>) => {
            postTypes.set(type, component);
            return type;
        }),
        registerReconnectHandler: vi.fn((_handler: () => void) => undefined),
        ...(options.appBar === false ? {} : {registerAppBarComponent}),
        ...(options.attachment === false ? {} : {registerPostMessageAttachmentComponent}),
    };
    return {registry: registry as typeof registry & PluginRegistry, ws, postTypes, rhs, registerAppBarComponent, registerPostMessageAttachmentComponent};
}

function fakeHostStore(locale = 'en') {
    let state = {
        entities: {
            users: {currentUserId: 'u1', profiles: {u1: {id: 'u1', locale}}},
            general: {config: {SiteURL: 'http://localhost:8065'}},
            posts: {posts: {}},
        },
    };
    const listeners = new Set<() => void>();
    const store: HostStore & {setLocale(l: string): void} = {
        getState: () => hostState(state),
        dispatch: vi.fn(),
        subscribe: (l: () => void) => {
            listeners.add(l);
            return () => listeners.delete(l);
        },
        setLocale(l: string) {
            state = {...state, entities: {...state.entities, users: {...state.entities.users, profiles: {u1: {id: 'u1', locale: l}}}}};
            listeners.forEach((fn) => fn());
        },
    };
    return store;
}

async function loadEntry() {
    vi.resetModules();
    const registerPlugin = vi.fn();
    window.registerPlugin = registerPlugin;
    const mod = await import('../src/index');
    return {Plugin: mod.default, registerPlugin};
}

describe('index wiring', () => {
    it('registers the plugin under its id', async () => {
        const {Plugin, registerPlugin} = await loadEntry();
        expect(registerPlugin).toHaveBeenCalledTimes(1);
        expect(registerPlugin.mock.calls[0][0]).toBe('whatsapp-helpdesk');
        expect(registerPlugin.mock.calls[0][1]).toBeInstanceOf(Plugin);
    });

    it('registers translations, the RHS, header button, app bar, websocket, reconnect and post types', async () => {
        const {Plugin} = await loadEntry();
        const {registry, ws, postTypes, rhs, registerAppBarComponent, registerPostMessageAttachmentComponent} = fakeRegistry();
        const host = fakeHostStore();
        new Plugin({client: mockClient().client}).initialize(registry, host);

        expect(registry.registerTranslations).toHaveBeenCalledTimes(1);
        const translations = registry.registerTranslations.mock.calls[0][0];
        expect(translations('pt-BR')['whatsapp-helpdesk.conversation.attend']).toBe('Atender');
        expect(translations('en')['whatsapp-helpdesk.conversation.attend']).toBe('Attend');

        expect(registry.registerRightHandSidebarComponent).toHaveBeenCalledTimes(1);
        expect(registry.registerChannelHeaderButtonAction).toHaveBeenCalledTimes(1);
        const headerAction = registry.registerChannelHeaderButtonAction.mock.calls[0] as unknown as [unknown, () => void];
        headerAction[1]();
        expect(host.dispatch).toHaveBeenCalledWith(rhs.toggleRHSPlugin);

        expect(registerAppBarComponent).toHaveBeenCalledTimes(1);
        const appBar = registerAppBarComponent.mock.calls[0];
        expect(appBar[0]).toMatch(/^data:image\/svg\+xml/);
        appBar[1]();
        expect(host.dispatch).toHaveBeenCalledTimes(2);

        expect([...ws.keys()].sort()).toEqual([
            'custom_whatsapp-helpdesk_conversation_updated',
            'custom_whatsapp-helpdesk_credits_updated',
            'custom_whatsapp-helpdesk_ticket_updated',
        ]);
        expect(registry.registerReconnectHandler).toHaveBeenCalledTimes(1);
        expect([...postTypes.keys()]).toEqual(['custom_whatsapp_inbound']);
        expect(registerPostMessageAttachmentComponent).toHaveBeenCalledTimes(1);
    });

    it('works on servers without an app bar', async () => {
        const {Plugin} = await loadEntry();
        const {registry} = fakeRegistry({appBar: false, attachment: false});
        expect(() => new Plugin({client: mockClient().client}).initialize(registry, fakeHostStore())).not.toThrow();
        expect(registry.registerChannelHeaderButtonAction).toHaveBeenCalled();
    });

    it('renders the registered RHS, applies websocket events and refetches on reconnect', async () => {
        const {Plugin} = await loadEntry();
        const {registry, ws} = fakeRegistry();
        const {client, spies} = mockClient({waiting: [conversation()], drafts: [ticket()], credits: credits()});
        const plugin = new Plugin({client});
        plugin.initialize(registry, fakeHostStore());

        // Nothing is fetched before the panel is opened; a reconnect then does nothing either.
        const reconnect = registry.registerReconnectHandler.mock.calls[0][0];
        reconnect();
        expect(spies.getConversations).not.toHaveBeenCalled();

        const RHS = registry.registerRightHandSidebarComponent.mock.calls[0][0];
        render(<RHS/>);
        expect(await screen.findByTestId('wa-row-c1')).toBeInTheDocument();
        expect(spies.getConversations).toHaveBeenCalledTimes(2);

        act(() => {
            ws.get('custom_whatsapp-helpdesk_conversation_updated')!(wsEvent('custom_whatsapp-helpdesk_conversation_updated', 'conversation', conversation({id: 'c7', channel_id: 'chan7', customer: {id: 'p7', name: 'Novo Cliente', phone: '5521999990000'}})));
        });
        expect(screen.getByTestId('wa-row-c7')).toBeInTheDocument();

        act(() => {
            ws.get('custom_whatsapp-helpdesk_credits_updated')!(wsEvent('custom_whatsapp-helpdesk_credits_updated', 'credits', credits({balance: 3})));
        });
        expect(screen.getByTestId('wa-credits-low')).toBeInTheDocument();

        act(() => {
            ws.get('custom_whatsapp-helpdesk_ticket_updated')!(wsEvent('custom_whatsapp-helpdesk_ticket_updated', 'ticket', ticket({id: 't5'})));
        });
        expect(screen.getByTestId('wa-count-drafts')).toHaveTextContent('2');

        // Malformed payloads are ignored.
        act(() => {
            ws.get('custom_whatsapp-helpdesk_conversation_updated')!({event: 'x', data: {conversation: '{not json'}});
            ws.get('custom_whatsapp-helpdesk_ticket_updated')!({event: 'x', data: {}});
        });

        // Reconnect: refetch, and what the server says replaces what was missed.
        spies.getConversations.mockImplementation(async (state) => paged(state === 'waiting' ? [conversation({id: 'c8', channel_id: 'chan8'})] : []));
        act(() => reconnect());
        await waitFor(() => expect(screen.getByTestId('wa-row-c8')).toBeInTheDocument());
        expect(screen.queryByTestId('wa-row-c1')).toBeNull();
        expect(spies.getConversations).toHaveBeenCalledTimes(4);
        expect(spies.getCredits).toHaveBeenCalledTimes(2);
        plugin.uninitialize();
    });

    it('follows the Mattermost user locale', async () => {
        const {Plugin} = await loadEntry();
        const {registry} = fakeRegistry();
        const host = fakeHostStore('pt-BR');
        new Plugin({client: mockClient({waiting: [conversation()]}).client}).initialize(registry, host);
        const RHS = registry.registerRightHandSidebarComponent.mock.calls[0][0];
        render(<RHS/>);
        expect(await screen.findByTestId('wa-attend-c1')).toHaveTextContent('Atender');
        act(() => host.setLocale('en'));
        expect(screen.getByTestId('wa-attend-c1')).toHaveTextContent('Attend');

        // The header button text is localized too.
        const [, , dropdown, tooltip] = registry.registerChannelHeaderButtonAction.mock.calls[0] as unknown as [unknown, unknown, React.ReactElement, React.ReactElement];
        const {container} = render(<div>{dropdown}{' / '}{tooltip}</div>);
        expect(container).toHaveTextContent('WhatsApp Helpdesk / Open the WhatsApp Helpdesk panel');
        act(() => host.setLocale('pt-BR'));
        expect(container).toHaveTextContent('WhatsApp Helpdesk / Abrir o painel do WhatsApp Helpdesk');
    });

    it('uses the default client against the plugin API with the site sub-path', async () => {
        const {Plugin} = await loadEntry();
        const {registry} = fakeRegistry();
        const calls: string[] = [];
        vi.stubGlobal('fetch', vi.fn(async (url: string) => {
            calls.push(url);
            return new Response('[]', {status: 200});
        }));
        const host = fakeHostStore();
        (host.getState() as {entities: {general: {config: {SiteURL: string}}}}).entities.general.config.SiteURL = 'https://chat.example.com/mm';
        const plugin = new Plugin();
        plugin.initialize(registry, host);
        await plugin.helpdesk!.refresh();
        expect(calls).toContain('/mm/plugins/whatsapp-helpdesk/api/v1/conversations?state=waiting&page=0&per_page=100');
        vi.unstubAllGlobals();
    });
});
