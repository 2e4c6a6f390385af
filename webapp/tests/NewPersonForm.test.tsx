import {render, screen} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, {useState} from 'react';
import {describe, expect, it, vi} from 'vitest';

import {NewPersonForm, type NewPersonFormProps} from '../src/components/NewPersonForm';
import type {NewPerson} from '../src/types';

import {helpdeskFor} from './helpers';

/** The form with its value held in state, as the draft holds it. */
function Harness(props: Partial<NewPersonFormProps> & {initial?: NewPerson; onValue?(v: NewPerson): void}) {
    const {initial = {name: 'Maria Silva', phone: '+5511987654321', email: ''}, onValue, ...rest} = props;
    const [value, setValue] = useState<NewPerson>(initial);
    return (
        <NewPersonForm
            ticketId='t1'
            value={value}
            onChange={(v) => {
                setValue(v);
                onValue?.(v);
            }}
            errors={{}}
            onUseExisting={() => undefined}
            {...rest}
        />
    );
}

function renderForm(props: React.ComponentProps<typeof Harness> = {}, locale: 'en' | 'pt-BR' = 'en') {
    return render(<Harness {...props}/>, {wrapper: helpdeskFor({}, locale).wrapper});
}

describe('NewPersonForm', () => {
    it('shows the prefilled name, phone and email under their labels', () => {
        renderForm();
        expect(screen.getByRole('group', {name: 'New person'})).toBeInTheDocument();
        expect(screen.getByLabelText('Name')).toHaveValue('Maria Silva');
        expect(screen.getByTestId('wa-new-person-phone')).toHaveValue('+5511987654321');
        expect(screen.getByTestId('wa-new-person-email')).toHaveValue('');
    });

    it('hands every edit back', async () => {
        const onValue = vi.fn();
        renderForm({onValue});
        await userEvent.clear(screen.getByTestId('wa-new-person-name'));
        await userEvent.type(screen.getByTestId('wa-new-person-name'), 'Ana');
        await userEvent.type(screen.getByTestId('wa-new-person-email'), 'a@b.co');
        expect(onValue).toHaveBeenLastCalledWith({name: 'Ana', phone: '+5511987654321', email: 'a@b.co'});
    });

    it('ties each error to its field', () => {
        renderForm({errors: {name: 'The new person needs a name.', email: 'The email address is not valid.'}});
        const name = screen.getByTestId('wa-new-person-name');
        expect(name).toHaveAttribute('aria-invalid', 'true');
        expect(name).toHaveAccessibleDescription('The new person needs a name.');
        expect(screen.getByTestId('wa-new-person-name-error-t1')).toHaveAttribute('role', 'alert');
        const email = screen.getByTestId('wa-new-person-email');
        expect(email).toHaveAttribute('aria-invalid', 'true');
        expect(email).toHaveAccessibleDescription('The email address is not valid.');
        expect(screen.getByTestId('wa-new-person-phone')).not.toHaveAttribute('aria-invalid');
    });

    it('attaches the refs the draft focuses', () => {
        const nameRef = React.createRef<HTMLInputElement>();
        const emailRef = React.createRef<HTMLInputElement>();
        renderForm({nameRef, emailRef});
        expect(nameRef.current).toBe(screen.getByTestId('wa-new-person-name'));
        expect(emailRef.current).toBe(screen.getByTestId('wa-new-person-email'));
    });

    it('goes back to existing people', async () => {
        const onUseExisting = vi.fn();
        renderForm({onUseExisting});
        await userEvent.click(screen.getByTestId('wa-use-existing-t1'));
        expect(onUseExisting).toHaveBeenCalledTimes(1);
    });

    it('speaks Portuguese to a pt-BR user', () => {
        renderForm({}, 'pt-BR');
        expect(screen.getByTestId('wa-use-existing-t1')).toHaveTextContent('Escolher uma pessoa existente');
    });
});
