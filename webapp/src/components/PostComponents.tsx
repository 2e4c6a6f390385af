// How WhatsApp posts look in the conversation channel: inbound messages show their origin and
// customer; outbound messages show WhatsApp's delivery state (props written by the server).
import React, {useSyncExternalStore} from 'react';

import {useT} from '../context';
import {formatPhone} from '../format';
import {hostPost, type HostStore, type Post, type PostMessageAttachmentProps, type PostTypeComponentProps} from '../mattermost';
import {POST_TYPES} from '../contract';

import {ChatGlyph} from './icons';

const prop = (post: Pick<Post, 'props'>, key: string): string => {
    const value = post.props?.[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
};

/** Renders the message with Mattermost's own markdown when the host exposes it. */
function MessageText({post, isRHS}: {post: Pick<Post, 'message'>; isRHS?: boolean}) {
    const utils = typeof window === 'undefined' ? undefined : window.PostUtils;
    if (utils?.formatText && utils.messageHtmlToComponent) {
        const html = utils.formatText(post.message, {atMentions: true});
        return <div className='wahd-post-text'>{utils.messageHtmlToComponent(html, isRHS)}</div>;
    }
    return <div className='wahd-post-text'>{post.message}</div>;
}

export type DeliveryState = 'pending' | 'sent' | 'delivered' | 'read' | 'failed' | 'not_sent';
const ALIASES: Record<string, DeliveryState> = {
    pending: 'pending',
    sent: 'sent',
    delivered: 'delivered',
    read: 'read',
    played: 'read', // voice notes
    failed: 'failed',
    not_sent: 'not_sent',
};

/**
 * Delivery state from the props the server writes on outbound posts: wa_status
 * (sent|delivered|read|played|failed|not_sent) and, on failure, wa_error ("<code>:<title>").
 */
export function deliveryOf(post: Pick<Post, 'props'> | undefined): {state: DeliveryState; reason: string} | null {
    if (!post) {
        return null;
    }
    const state = ALIASES[prop(post, 'wa_status').toLowerCase()];
    if (!state) {
        return null;
    }
    let reason = prop(post, 'wa_error');
    if (!reason) {
        reason = [prop(post, 'wa_error_code'), prop(post, 'wa_error_title')].filter(Boolean).join(': ');
    }
    reason = reason.replace(/^(\d+):(?=\S)/, '$1: ');
    return {state, reason};
}

const TICKS: Record<DeliveryState, string> = {
    not_sent: '⚠',
    pending: '🕓',
    sent: '✓',
    delivered: '✓✓',
    read: '✓✓',
    failed: '⚠',
};

export function DeliveryTicks({post}: {post: Pick<Post, 'id' | 'props'> | undefined}) {
    const t = useT();
    const delivery = deliveryOf(post);
    if (!delivery || !post) {
        return null;
    }
    const failed = delivery.state === 'failed' || delivery.state === 'not_sent';
    let label: string;
    if (failed && delivery.reason) {
        label = t('delivery.failedReason', {reason: delivery.reason});
    } else {
        label = t(delivery.state === 'not_sent' ? 'delivery.notSent' : `delivery.${delivery.state}`);
    }
    return (
        <div
            className={`wahd-delivery wahd-delivery--${failed ? 'failed' : delivery.state}`}
            data-testid={`wa-delivery-${post.id}`}
            title={label}
        >
            <span aria-hidden='true'>{TICKS[delivery.state]}</span>
            <span>{label}</span>
        </div>
    );
}

/** Inbound props: wa_origin, wa_customer (name), wa_customer_id, wa_wamid, wa_type, wa_timestamp. */
export function InboundPost({post, isRHS}: PostTypeComponentProps) {
    const t = useT();
    const name = prop(post, 'wa_customer') || prop(post, 'customer_name');
    const phone = formatPhone(prop(post, 'wa_phone') || prop(post, 'customer_phone'));

    // The server already starts the message with "**Name:**"; do not repeat the name then.
    const nameInMessage = Boolean(name) && post.message.startsWith(`**${name}:**`);
    const who = [nameInMessage ? '' : name, phone].filter(Boolean).join(' · ');
    return (
        <div data-testid={`wa-inbound-${post.id}`}>
            <div
                className='wahd-post-origin'
                aria-label={t('post.origin', {name: name || phone || t('origin.whatsapp')})}
            >
                <span className='wahd-badge'><ChatGlyph size={12}/>{t('origin.whatsapp')}</span>
                {who && <span className='wahd-muted'>{who}</span>}
            </div>
            <MessageText
                post={post}
                isRHS={isRHS}
            />
        </div>
    );
}

export function OutboundPost({post, isRHS}: PostTypeComponentProps) {
    return (
        <div data-testid={`wa-outbound-${post.id}`}>
            <MessageText
                post={post}
                isRHS={isRHS}
            />
            <DeliveryTicks post={post}/>
        </div>
    );
}

/**
 * For ordinary posts (an agent's reply keeps Mattermost's own type): the host passes only the
 * post id, so the post and its delivery props are read from the host store.
 */
export function makeDeliveryAttachment(hostStore: HostStore) {
    return function DeliveryAttachment({postId}: PostMessageAttachmentProps) {
        const post = useSyncExternalStore(hostStore.subscribe, () => hostPost(hostStore.getState(), postId));
        if (!post || (post.type as string) === POST_TYPES.outbound || !deliveryOf(post)) {
            return null;
        }
        return (
            <>
                    <DeliveryTicks post={post}/>
            </>
        );
    };
}
