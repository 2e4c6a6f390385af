// The small part of the Mattermost webapp this plugin talks to: the plugin registry, the host
// redux store (read-only, for the user's locale and posts) and a few window globals.
import type React from 'react';

export interface HostStore {
    getState(): unknown;
    dispatch(action: unknown): unknown;
    subscribe(listener: () => void): () => void;
}

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
export interface HostPost {
    id: string;
    type?: string;
    message: string;
    channel_id?: string;
    user_id?: string;
    create_at?: number;
    props?: Record<string, unknown>;
}

export interface PostTypeComponentProps {
    post: HostPost;
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

interface LocaleState {
    entities?: {
        users?: {
            currentUserId?: string;
            profiles?: Record<string, {locale?: string} | undefined>;
        };
        general?: {config?: {DefaultClientLocale?: string; SiteURL?: string}};
        posts?: {posts?: Record<string, HostPost | undefined>};
    };
}

/** The current user's Mattermost locale, else the server's default client locale, else ''. */
export function hostLocale(state: unknown): string {
    const s = (state ?? {}) as LocaleState;
    const users = s.entities?.users;
    const id = users?.currentUserId;
    const locale = id ? users?.profiles?.[id]?.locale : undefined;
    return locale || s.entities?.general?.config?.DefaultClientLocale || '';
}

/** A post from the host store, if loaded. */
export function hostPost(state: unknown, postId: string): HostPost | undefined {
    return (state as LocaleState | undefined)?.entities?.posts?.posts?.[postId];
}

/** The path part of the configured SiteURL (e.g. '/mattermost'), or '' when unknown. */
export function hostSiteSubpath(state: unknown): string {
    const siteURL = (state as LocaleState | undefined)?.entities?.general?.config?.SiteURL;
    if (!siteURL) {
        return '';
    }
    try {
        return new URL(siteURL).pathname.replace(/\/+$/, '');
    } catch {
        return '';
    }
}
