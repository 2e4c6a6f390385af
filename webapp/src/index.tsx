// Entry point: wires the plugin into Mattermost's registry. Behaviour lives in the modules it
// imports; this file only registers them.
import React, {useSyncExternalStore} from 'react';

import {Client} from './client';
import {APP_BAR_ICON_URL, HeaderIcon} from './components/icons';
import {Panel} from './components/Panel';
import {InboundPost, makeDeliveryAttachment} from './components/PostComponents';
import {ensureStyles} from './components/styles';
import {HelpdeskProvider} from './context';
import {Helpdesk} from './helpdesk';
import {normalizeLocale, registryTranslations, translate, type MessageKey} from './i18n';
import {POST_TYPES, WS_EVENTS} from './contract';
import {PLUGIN_ID} from './manifest';
import {hostChannelId, hostLocale, hostSiteSubpath, type HostStore, type MattermostPlugin, type PluginRegistry} from './mattermost';
import {PluginStore, initialState} from './store';

export interface PluginOptions {

    /** API client to use (tests); by default one for this Mattermost server. */
    client?: Client;
}

export default class Plugin implements MattermostPlugin {
    helpdesk: Helpdesk | null = null;
    private readonly options: PluginOptions;
    private unsubscribeHost: (() => void) | null = null;

    constructor(options: PluginOptions = {}) {
        this.options = options;
    }

    initialize(registry: PluginRegistry, store: HostStore): void {
        const currentLocale = () => normalizeLocale(hostLocale(store.getState()));
        const pluginStore = new PluginStore(initialState(currentLocale()));
        const client = this.options.client ?? new Client({siteSubpath: () => hostSiteSubpath(store.getState())});
        const helpdesk = new Helpdesk(client, pluginStore);
        this.helpdesk = helpdesk;

        // Follow the user's language when it changes in Mattermost's settings.
        this.unsubscribeHost = store.subscribe(() => {
            pluginStore.dispatch({type: 'locale', locale: currentLocale()});
            pluginStore.dispatch({type: 'channel', channelId: hostChannelId(store.getState())});
        });
        pluginStore.dispatch({type: 'channel', channelId: hostChannelId(store.getState())});
        ensureStyles();

        registry.registerTranslations(registryTranslations);

        // Text rendered by the host outside our components still follows the plugin locale.
        const Text = ({id}: {id: MessageKey}) => {
            const {locale} = useSyncExternalStore(pluginStore.subscribe, pluginStore.getState);
            return <>{translate(locale, id)}</>;
        };
        function withHelpdesk<P extends object>(Component: React.ComponentType<P>): React.ComponentType<P> {
            const Wrapped = (props: P) => (
                <HelpdeskProvider helpdesk={helpdesk}>
                    <Component {...props}/>
                </HelpdeskProvider>
            );
            Wrapped.displayName = `WhatsAppHelpdesk(${Component.displayName || Component.name || 'Component'})`;
            return Wrapped;
        }

        const rhs = registry.registerRightHandSidebarComponent(withHelpdesk(Panel), <Text id='plugin.name'/>);
        const toggleRHS = () => {
            store.dispatch(rhs.toggleRHSPlugin);
        };

        registry.registerChannelHeaderButtonAction(
            <HeaderIcon/>,
            toggleRHS,
            <Text id='plugin.name'/>,
            <Text id='plugin.open'/>,
        );
        if (typeof registry.registerAppBarComponent === 'function') {
            registry.registerAppBarComponent(APP_BAR_ICON_URL, toggleRHS, <Text id='plugin.open'/>);
        }

        registry.registerWebSocketEventHandler(WS_EVENTS.conversationUpdated, helpdesk.onConversationEvent);
        registry.registerWebSocketEventHandler(WS_EVENTS.ticketUpdated, helpdesk.onTicketEvent);
        registry.registerWebSocketEventHandler(WS_EVENTS.creditsUpdated, helpdesk.onCreditsEvent);
        registry.registerReconnectHandler(helpdesk.onReconnect);

        registry.registerPostTypeComponent(POST_TYPES.inbound, withHelpdesk(InboundPost));
        if (typeof registry.registerPostMessageAttachmentComponent === 'function') {
            registry.registerPostMessageAttachmentComponent(withHelpdesk(makeDeliveryAttachment(store)));
        }
    }

    uninitialize(): void {
        this.unsubscribeHost?.();
        this.unsubscribeHost = null;
    }
}

if (typeof window !== 'undefined' && typeof window.registerPlugin === 'function') {
    window.registerPlugin(PLUGIN_ID, new Plugin());
}
