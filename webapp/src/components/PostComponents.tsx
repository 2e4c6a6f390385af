// How WhatsApp posts look in the conversation channel: inbound messages show their origin and
// customer; posts sent to WhatsApp show its delivery state. Both read only the props the server
// writes (PROPS in ../contract).
import React, {useSyncExternalStore} from 'react';

import {PROPS} from '../contract';
import {useT} from '../context';
import {hostPost, type HostStore, type Post, type PostMessageAttachmentProps, type PostTypeComponentProps} from '../mattermost';

import {ChatGlyph} from './icons';

type PropKey = typeof PROPS[keyof typeof PROPS];

const prop = (post: Pick<Post, 'props'>, key: PropKey): string => {
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
 * Delivery state from the props the server writes on posts sent to WhatsApp: wa_status
 * (sent|delivered|read|played|failed|not_sent) and, on failure, wa_error ("<code>:<title>").
 */
export function deliveryOf(post: Pick<Post, 'props'> | undefined): {state: DeliveryState; reason: string} | null {
    if (!post) {
        return null;
    }
    const state = ALIASES[prop(post, PROPS.status).toLowerCase()];
    if (!state) {
        return null;
    }
    const reason = prop(post, PROPS.error).replace(/^(\d+):(?=\S)/, '$1: ');
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

/** A customer's message: the text is the customer's own, their name comes from wa_customer. */
export function InboundPost({post, isRHS}: PostTypeComponentProps) {
    const t = useT();
    const name = prop(post, PROPS.customer);
    return (
        <div data-testid={`wa-inbound-${post.id}`}>
            <div
                className='wahd-post-origin'
                aria-label={t('post.origin', {name: name || t('origin.whatsapp')})}
            >
                <span className='wahd-badge'><ChatGlyph size={12}/>{t('origin.whatsapp')}</span>
                {name && <span className='wahd-muted'>{name}</span>}
            </div>
            <MessageText
                post={post}
                isRHS={isRHS}
            />
        </div>
    );
}

/**
 * Delivery ticks under every post sent to WhatsApp: those keep Mattermost's own post type (an
 * agent's reply, the bot's start or end message), and the host passes only the post id, so the
 * post and its delivery props are read from the host store.
 */
export function makeDeliveryAttachment(hostStore: HostStore) {
    return function DeliveryAttachment({postId}: PostMessageAttachmentProps) {
        const post = useSyncExternalStore(hostStore.subscribe, () => hostPost(hostStore.getState(), postId));
        if (!post || !deliveryOf(post)) {
            return null;
        }
        return <DeliveryTicks post={post}/>;
    };
}
