// The small part of the Mattermost webapp this plugin talks to: the plugin registry, the host
// redux store (read-only, for the user's locale and posts) and a few window globals.
//
// Host data shapes (Post, GlobalState and what it holds) come from @mattermost/types, a
// types-only package: nothing of it reaches the bundle. What that package lacks (the plugin
// registry, the websocket message handed to plugin handlers, the window globals) is written here.
import type {Post} from '@mattermost/types/posts';
import type {GlobalState} from '@mattermost/types/store';
import type React from 'react';

export type {GlobalState, Post};

/**
 * The host's redux store. Its state is Mattermost's GlobalState; the readers below still guard
 * every step, since a slice can be missing on an older server or before it has loaded.
 */
export interface HostStore {
    getState(): GlobalState;
    dispatch(action: unknown): unknown;
    subscribe(listener: () => void): () => void;
}

/** What Mattermost hands a handler registered with registerWebSocketEventHandler. */
export interface WebSocketMessage<T = Record<string, unknown>> {
    event: string;
    data: T;
    broadcast?: unknown;
    seq?: number;
}

export interface RHSRegistration {
    id: string;
    showRHSPlugin: unknown;
    hideRHSPlugin: unknown;
    toggleRHSPlugin: unknown;
}

/** Props Mattermost passes to a post type component. */
export interface PostTypeComponentProps {
    post: Post;
    isRHS?: boolean;
    compactDisplay?: boolean;
}

export interface PostMessageAttachmentProps {
    postId: string;
    onHeightChange?: (height: number) => void;
}

export interface PluginRegistry {
    registerTranslations(getTranslationsForLocale: (locale: string) => Record<string, string>): void;
    registerRightHandSidebarComponent(component: React.ComponentType, title: React.ReactNode): RHSRegistration;
    registerChannelHeaderButtonAction(icon: React.ReactNode, action: () => void, dropdownText: React.ReactNode, tooltipText: React.ReactNode): string;
    registerAppBarComponent?(iconUrl: string, action: () => void, tooltipText: React.ReactNode): unknown;
    registerWebSocketEventHandler(event: string, handler: (msg: WebSocketMessage) => void): void;
    registerReconnectHandler(handler: () => void): void;
    registerPostTypeComponent(type: string, component: React.ComponentType<PostTypeComponentProps>): string;
    registerPostMessageAttachmentComponent?(component: React.ComponentType<PostMessageAttachmentProps>): string;
}

export interface MattermostPlugin {
    initialize(registry: PluginRegistry, store: HostStore): void | Promise<void>;
    uninitialize?(): void;
}

declare global {
    interface Window {
        registerPlugin(id: string, plugin: MattermostPlugin): void;

        /** Sub-path Mattermost is served under ('' at the root). */
        basename?: string;
        WebappUtils?: {browserHistory?: {push(path: string): void}};
        PostUtils?: {
            formatText?(text: string, options?: Record<string, unknown>): string;
            messageHtmlToComponent?(html: string, isRHS?: boolean, options?: Record<string, unknown>): React.ReactNode;
        };
    }
}

/** The current user's Mattermost locale, else the server's default client locale, else ''. */
export function hostLocale(state: GlobalState | undefined): string {
    const users = state?.entities?.users;
    const id = users?.currentUserId;
    const locale = id ? users?.profiles?.[id]?.locale : undefined;
    return locale || state?.entities?.general?.config?.DefaultClientLocale || '';
}

/** A post from the host store, if loaded. */
export function hostPost(state: GlobalState | undefined, postId: string): Post | undefined {
    return state?.entities?.posts?.posts?.[postId];
}

/** The path part of the configured SiteURL (e.g. '/mattermost'), or '' when unknown. */
export function hostSiteSubpath(state: GlobalState | undefined): string {
    const siteURL = state?.entities?.general?.config?.SiteURL;
    if (!siteURL) {
        return '';
    }
    try {
        return new URL(siteURL).pathname.replace(/\/+$/, '');
    } catch {
        return '';
    }
}

/** The id of the channel the user is looking at, or ''. */
export function hostChannelId(state: GlobalState | undefined): string {
    return state?.entities?.channels?.currentChannelId || '';
}
