import type {Conversation} from './types';

/** Path of a conversation's channel inside Mattermost (channel ids are accepted in place of names). */
export function channelPath(conversation: Pick<Conversation, 'team_name' | 'channel_id'>): string {
    return `/${conversation.team_name}/channels/${conversation.channel_id}`;
}

/** Link target for the channel, including the sub-path Mattermost may be served under. */
export function channelHref(conversation: Pick<Conversation, 'team_name' | 'channel_id'>): string {
    const base = typeof window !== 'undefined' && typeof window.basename === 'string' ? window.basename.replace(/\/+$/, '') : '';
    return base + channelPath(conversation);
}

/**
 * Opens the channel in the single-page app when Mattermost's router is reachable. Returns false
 * when it is not, so the caller lets the browser follow the link instead.
 */
export function openChannel(conversation: Pick<Conversation, 'team_name' | 'channel_id'>): boolean {
    const history = typeof window !== 'undefined' ? window.WebappUtils?.browserHistory : undefined;
    if (history && typeof history.push === 'function') {
        history.push(channelPath(conversation));
        return true;
    }
    return false;
}
