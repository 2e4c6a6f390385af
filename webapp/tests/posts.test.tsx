import {act, render, screen} from '@testing-library/react';
import React from 'react';
import {describe, expect, it} from 'vitest';

import {DeliveryTicks, InboundPost, deliveryOf, makeDeliveryAttachment} from '../src/components/PostComponents';
import {HelpdeskProvider} from '../src/context';
import {Helpdesk} from '../src/helpdesk';
import type {Locale} from '../src/i18n';
import type {HostStore} from '../src/mattermost';
import {PluginStore, initialState} from '../src/store';

import {hostState, mmPost, mockClient} from './helpers';

function wrap(node: React.ReactNode, locale: Locale = 'en') {
    const helpdesk = new Helpdesk(mockClient().client, new PluginStore(initialState(locale)));
    return render(<HelpdeskProvider helpdesk={helpdesk}>{node}</HelpdeskProvider>);
}

const inbound = mmPost({
    id: 'post1',
    type: 'custom_whatsapp_inbound',
    message: 'Oi, preciso de ajuda',
    props: {wa_origin: 'whatsapp', wa_wamid: 'wamid.1', wa_customer: 'Maria Silva', wa_timestamp: 1767000000000},
});

describe('post components', () => {
    it('shows origin and customer on inbound posts', () => {
        wrap(<InboundPost post={inbound}/>);
        const post = screen.getByTestId('wa-inbound-post1');
        expect(post).toHaveTextContent('WhatsApp');
        expect(post).toHaveTextContent('Maria Silva');
        expect(post).toHaveTextContent('Oi, preciso de ajuda');
        expect(screen.getByLabelText('WhatsApp message from Maria Silva')).toBeInTheDocument();
    });

    it('names the customer from wa_customer and shows the message text as it is', () => {
        wrap(<InboundPost post={mmPost({id: 'post9', message: 'oi', props: {wa_customer: 'Maria Silva'}})}/>);
        expect(screen.getByTestId('wa-inbound-post9').textContent).toBe('WhatsAppMaria Silvaoi');
    });

    it('reads no props the server never writes', () => {
        wrap(<InboundPost post={mmPost({id: 'post8', message: 'oi', props: {customer_name: 'Old Name', customer_phone: '5511987654321', wa_phone: '5511987654321'}})}/>);
        expect(screen.getByTestId('wa-inbound-post8').textContent).toBe('WhatsAppoi');
        expect(deliveryOf(mmPost({props: {wa_status: 'failed', wa_error_code: 470, wa_error_title: 'Expired'}}))).toEqual({state: 'failed', reason: ''});
    });

    it('shows "not sent" posts as failures', () => {
        wrap(<DeliveryTicks post={mmPost({id: 'p4', message: 'x', props: {wa_status: 'not_sent'}})}/>);
        expect(screen.getByTestId('wa-delivery-p4')).toHaveTextContent('Not sent');
        expect(screen.getByTestId('wa-delivery-p4')).toHaveClass('wahd-delivery--failed');
    });

    it('uses the host markdown renderer when present', () => {
        window.PostUtils = {
            formatText: (text: string) => `<b>${text}</b>`,
            messageHtmlToComponent: (html: string) => <span data-testid='md'>{html}</span>,
        };
        wrap(<InboundPost post={inbound}/>);
        expect(screen.getByTestId('md')).toHaveTextContent('<b>Oi, preciso de ajuda</b>');
        delete window.PostUtils;
    });

    it('shows delivery ticks on posts sent to WhatsApp, with the failure reason', () => {
        const post = mmPost({id: 'p2', message: 'Olá!', props: {wa_status: 'delivered'}});
        const {rerender} = wrap(<DeliveryTicks post={post}/>);
        expect(screen.getByTestId('wa-delivery-p2')).toHaveTextContent('✓✓Delivered');
        const helpdesk = new Helpdesk(mockClient().client, new PluginStore(initialState('pt-BR')));
        rerender(
            <HelpdeskProvider helpdesk={helpdesk}>
                <DeliveryTicks post={{...post, props: {wa_status: 'failed', wa_error: '131047:Re-engagement message'}}}/>
            </HelpdeskProvider>,
        );
        expect(screen.getByTestId('wa-delivery-p2')).toHaveTextContent('Não entregue: 131047: Re-engagement message');
        expect(screen.getByTestId('wa-delivery-p2')).toHaveClass('wahd-delivery--failed');
    });

    it('reads delivery props', () => {
        expect(deliveryOf(mmPost({props: {wa_status: 'read'}}))).toEqual({state: 'read', reason: ''});
        expect(deliveryOf(mmPost({props: {wa_status: 'played'}}))).toEqual({state: 'read', reason: ''});
        expect(deliveryOf(mmPost({props: {wa_status: 'failed', wa_error: '470:Expired'}}))).toEqual({state: 'failed', reason: '470: Expired'});
        expect(deliveryOf(mmPost({props: {wa_status: 'bogus'}}))).toBeNull();
        expect(deliveryOf(mmPost())).toBeNull();
    });

    it('adds ticks under ordinary posts from the host store and follows updates', () => {
        let state = {entities: {posts: {posts: {p3: mmPost({id: 'p3', message: 'hi', props: {wa_status: 'sent'}})}}}};
        const listeners = new Set<() => void>();
        const host: HostStore = {getState: () => hostState(state), dispatch: () => undefined, subscribe: (l) => {
            listeners.add(l);
            return () => listeners.delete(l);
        }};
        const Attachment = makeDeliveryAttachment(host);
        wrap(<><Attachment postId='p3'/><Attachment postId='missing'/></>);
        expect(screen.getByTestId('wa-delivery-p3')).toHaveTextContent('Sent');
        act(() => {
            state = {entities: {posts: {posts: {p3: mmPost({id: 'p3', message: 'hi', props: {wa_status: 'read'}})}}}};
            listeners.forEach((l) => l());
        });
        expect(screen.getByTestId('wa-delivery-p3')).toHaveTextContent('Read');
        expect(screen.getByTestId('wa-delivery-p3')).toHaveClass('wahd-delivery--read');
    });
});
