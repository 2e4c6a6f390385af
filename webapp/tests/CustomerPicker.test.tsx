import {render, screen} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import {describe, expect, it, vi} from 'vitest';

import {ApiError} from '../src/client';
import {CustomerPicker, type CustomerPickerProps} from '../src/components/CustomerPicker';

import {helpdeskFor, type MockData} from './helpers';

const people = [
    {id: 'p7', name: 'Mariana Souza', phone: '5511912345678', email: 'mariana@example.com'},
    {id: 'p8', name: 'Carlos', phone: '5511900000000'},
];

function renderPicker(props: Partial<CustomerPickerProps> = {}, data: MockData = {people}) {
    const env = helpdeskFor(data);
    const handlers = {onChoose: vi.fn(), onCreateNew: vi.fn(), onError: vi.fn()};
    render(
        <CustomerPicker
            ticketId='t1'
            selected={{id: 'p1', name: 'Maria Silva', phone: '5511987654321'}}
            {...handlers}
            {...props}
        />,
        {wrapper: env.wrapper},
    );
    return {...env, ...handlers};
}

describe('CustomerPicker', () => {
    it('shows the current customer, formatted', () => {
        renderPicker();
        const chip = screen.getByTestId('wa-ticket-customer-t1');
        expect(chip).toHaveTextContent('Maria Silva · +55 11 98765-4321');
        expect(chip).toHaveAccessibleName('Current customer: Maria Silva');
    });

    it('shows no chip when nobody is chosen', () => {
        renderPicker({selected: null});
        expect(screen.queryByTestId('wa-ticket-customer-t1')).toBeNull();
    });

    it('searches as you type and hands back the chosen person', async () => {
        const {spies, onChoose} = renderPicker();
        const search = screen.getByTestId('wa-person-search-t1');
        await userEvent.type(search, 'mari');
        const option = await screen.findByTestId('wa-person-option-p7', undefined, {timeout: 2000});
        expect(option).toHaveTextContent('Mariana Souza · +55 11 91234-5678 · mariana@example.com');
        expect(screen.queryByTestId('wa-person-option-p8')).toBeNull();
        expect(spies.searchPeople).toHaveBeenLastCalledWith('mari');

        await userEvent.click(option);
        expect(onChoose).toHaveBeenCalledWith(people[0]);
        expect(search).toHaveValue('');
        expect(screen.queryByTestId('wa-person-option-p7')).toBeNull();
    });

    it('waits for a pause in typing before searching, and not at all for blanks', async () => {
        const {spies} = renderPicker();
        await userEvent.type(screen.getByTestId('wa-person-search-t1'), '   ');
        await new Promise((r) => setTimeout(r, 400));
        expect(spies.searchPeople).not.toHaveBeenCalled();
        await userEvent.type(screen.getByTestId('wa-person-search-t1'), 'car');
        await screen.findByTestId('wa-person-option-p8', undefined, {timeout: 2000});
        expect(spies.searchPeople).toHaveBeenCalledTimes(1);
        expect(spies.searchPeople).toHaveBeenCalledWith('car');
    });

    it('says when nobody matches', async () => {
        renderPicker();
        await userEvent.type(screen.getByTestId('wa-person-search-t1'), 'zzz');
        expect(await screen.findByText('No people found.', undefined, {timeout: 2000})).toBeInTheDocument();
    });

    it('reports a failed search', async () => {
        const {spies, onError} = renderPicker();
        spies.searchPeople.mockRejectedValueOnce(new ApiError('search is down', 500));
        await userEvent.type(screen.getByTestId('wa-person-search-t1'), 'ma');
        await vi.waitFor(() => expect(onError).toHaveBeenCalledWith('search is down'), {timeout: 2000});
    });

    it('waits for a query the server accepts (2 characters, or 4 digits)', async () => {
        const {spies} = renderPicker();
        await userEvent.type(screen.getByTestId('wa-person-search-t1'), 'm');
        await userEvent.type(screen.getByTestId('wa-person-search-t1'), '{backspace}119');
        await new Promise((r) => setTimeout(r, 500));
        expect(spies.searchPeople).not.toHaveBeenCalled();
        await userEvent.type(screen.getByTestId('wa-person-search-t1'), '9');
        await vi.waitFor(() => expect(spies.searchPeople).toHaveBeenCalledWith('1199'), {timeout: 2000});
    });

    it('offers a new person instead', async () => {
        const {onCreateNew} = renderPicker();
        await userEvent.click(screen.getByTestId('wa-create-person-t1'));
        expect(onCreateNew).toHaveBeenCalledTimes(1);
    });
});
