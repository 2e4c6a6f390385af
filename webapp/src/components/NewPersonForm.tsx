// A new person as the ticket's customer: name (required), phone and email, prefilled from the
// WhatsApp profile; the way back to choosing an existing person.
import React from 'react';

import {useT} from '../context';
import type {NewPerson} from '../types';

export interface NewPersonFormProps {

    /** The ticket's id: it keys the test ids and element ids. */
    ticketId: string;
    value: NewPerson;
    onChange(value: NewPerson): void;
    errors: {name?: string; email?: string};

    /** Focused by the draft when a save is refused for this field. */
    nameRef?: React.Ref<HTMLInputElement>;
    emailRef?: React.Ref<HTMLInputElement>;
    onUseExisting(): void;
}

export function NewPersonForm({ticketId, value, onChange, errors, nameRef, emailRef, onUseExisting}: NewPersonFormProps) {
    const t = useT();
    const ids = {
        name: `wahd-${ticketId}-name`,
        nameError: `wahd-${ticketId}-name-error`,
        phone: `wahd-${ticketId}-phone`,
        email: `wahd-${ticketId}-email`,
        emailError: `wahd-${ticketId}-email-error`,
    };
    return (
        <div
            className='wahd-new-person'
            role='group'
            aria-label={t('customer.newPerson')}
        >
            <div className='wahd-field'>
                <label htmlFor={ids.name}>{t('person.name')}</label>
                <input
                    id={ids.name}
                    ref={nameRef}
                    className='wahd-input'
                    value={value.name}
                    data-testid='wa-new-person-name'
                    aria-invalid={Boolean(errors.name)}
                    aria-describedby={errors.name ? ids.nameError : undefined}
                    onChange={(e) => onChange({...value, name: e.target.value})}
                />
                {errors.name && (
                    <div
                        id={ids.nameError}
                        className='wahd-inline-error'
                        role='alert'
                        data-testid={`wa-new-person-name-error-${ticketId}`}
                    >{errors.name}</div>
                )}
            </div>
            <div className='wahd-field'>
                <label htmlFor={ids.phone}>{t('person.phone')}</label>
                <input
                    id={ids.phone}
                    className='wahd-input'
                    type='tel'
                    value={value.phone ?? ''}
                    data-testid='wa-new-person-phone'
                    onChange={(e) => onChange({...value, phone: e.target.value})}
                />
            </div>
            <div className='wahd-field'>
                <label htmlFor={ids.email}>{t('person.email')}</label>
                <input
                    id={ids.email}
                    ref={emailRef}
                    className='wahd-input'
                    type='email'
                    value={value.email ?? ''}
                    data-testid='wa-new-person-email'
                    aria-invalid={Boolean(errors.email)}
                    aria-describedby={errors.email ? ids.emailError : undefined}
                    onChange={(e) => onChange({...value, email: e.target.value})}
                />
                {errors.email && (
                    <div
                        id={ids.emailError}
                        className='wahd-inline-error'
                        role='alert'
                    >{errors.email}</div>
                )}
            </div>
            <div>
                <button
                    type='button'
                    className='wahd-link-button'
                    data-testid={`wa-use-existing-${ticketId}`}
                    onClick={onUseExisting}
                >{t('customer.useExisting')}</button>
            </div>
        </div>
    );
}
