import {render, screen, waitFor} from '@testing-library/react';
import React from 'react';
import {describe, expect, it} from 'vitest';

import {CsatLine, HoursBanner} from '../src/components/ServiceLevels';
import {HelpdeskProvider} from '../src/context';

import {helpdeskFor, renderPanel, ticket} from './helpers';

describe('outside business hours banner', () => {
    it('shows in the panel when the desk is closed, in the agent\'s language', async () => {
        renderPanel({locale: 'pt-BR', data: {hours: {groups: [{group: 'default', open: false}], outside_hours: ['default']}}});
        const banner = await screen.findByTestId('wa-outside-hours');
        expect(banner.textContent).toContain('Fora do horário de atendimento');
    });

    it('names the groups when several exist', async () => {
        renderPanel({data: {hours: {groups: [{group: 'default', open: true}, {group: 'vendas', open: false}], outside_hours: ['vendas']}}});
        expect((await screen.findByTestId('wa-outside-hours')).textContent).toContain('Outside business hours (vendas)');
    });

    it('is absent inside business hours and follows the server when hours begin', async () => {
        const {helpdesk, spies} = helpdeskFor({hours: {groups: [{group: 'default', open: false}], outside_hours: ['default']}});
        render(<HelpdeskProvider helpdesk={helpdesk}><HoursBanner pollMs={20}/></HelpdeskProvider>);
        await screen.findByTestId('wa-outside-hours');
        spies.getHours.mockImplementation(async () => ({groups: [{group: 'default', open: true}], outside_hours: []}));
        await waitFor(() => expect(screen.queryByTestId('wa-outside-hours')).toBeNull());
    });

    it('stays hidden when the server does not know the route', async () => {
        const {helpdesk, spies} = helpdeskFor();
        spies.getHours.mockImplementation(async () => {
            throw new Error('404');
        });
        render(<HelpdeskProvider helpdesk={helpdesk}><HoursBanner/></HelpdeskProvider>);
        await waitFor(() => expect(spies.getHours).toHaveBeenCalled());
        expect(screen.queryByTestId('wa-outside-hours')).toBeNull();
    });
});

describe('ticket satisfaction', () => {
    const show = (t: ReturnType<typeof ticket>, locale: 'en' | 'pt-BR' = 'en') => {
        const {wrapper: Wrapper} = helpdeskFor({}, locale);
        return render(<Wrapper><CsatLine ticket={t}/></Wrapper>);
    };

    it('shows the customer\'s answer', () => {
        show(ticket({csat: {score: 3, at: 1}, survey_sent_at: 1}), 'pt-BR');
        expect(screen.getByTestId('wa-ticket-csat-t1').textContent).toBe('Satisfação: Ótimo (3/3)');
    });

    it('says why no survey went out, or that it waits for an answer', () => {
        const {unmount} = show(ticket({csat_skipped: 'window_closed'}));
        expect(screen.getByTestId('wa-ticket-csat-t1').textContent).toContain('24-hour window was closed');
        unmount();
        show(ticket({survey_sent_at: 5}));
        expect(screen.getByTestId('wa-ticket-csat-t1').textContent).toContain('no answer yet');
    });

    it('shows nothing when no survey was due', () => {
        show(ticket());
        expect(screen.queryByTestId('wa-ticket-csat-t1')).toBeNull();
    });

    it('is part of the draft ticket card', async () => {
        renderPanel({tab: 'drafts', data: {drafts: [ticket({csat: {score: 1, at: 1}, survey_sent_at: 1})]}});
        expect((await screen.findByTestId('wa-ticket-csat-t1')).textContent).toBe('Satisfaction: Poor (1/3)');
    });
});
