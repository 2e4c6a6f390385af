// The editable state of one draft ticket: subject, conversation status and customer (an existing
// person or a new one), its validation, and the PATCH + save calls with their errors. Edits are
// local until Save; a websocket update of the same draft does not clobber them.
import {useCallback, useRef, useState} from 'react';

import {ApiError} from '../client';
import {useHelpdesk, useT} from '../context';
import {errorMessage} from '../helpdesk';
import type {NewPerson, Person, Ticket, TicketCustomer, TicketPatch} from '../types';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface DraftErrors {
    subject?: string;
    name?: string;
    email?: string;

    /** What the server (or a search) answered: shown for the whole card. */
    api?: string;
}

export type CustomerMode = 'existing' | 'new';

/** A bare wa_id (digits only) becomes +<digits>; anything else is kept as typed. */
export function e164(phone: string | undefined): string {
    if (!phone) {
        return '';
    }
    return /^\d{7,15}$/.test(phone) ? '+' + phone : phone;
}

export function useTicketDraft(ticket: Ticket) {
    const t = useT();
    const helpdesk = useHelpdesk();
    const id = ticket.id;

    const [subject, setSubject] = useState(ticket.subject || ticket.customer?.name || '');
    const [conversationStatus, setConversationStatus] = useState(ticket.conversation_status ?? '');
    const [mode, setMode] = useState<CustomerMode>('existing');
    const [selected, setSelected] = useState<TicketCustomer | null>(ticket.customer ?? null);
    const [newPerson, setNewPerson] = useState<NewPerson>({
        name: ticket.customer?.name ?? '',
        phone: e164(ticket.customer?.phone),
        email: ticket.customer?.email ?? '',
    });
    const [errors, setErrors] = useState<DraftErrors>({});
    const [saving, setSaving] = useState(false);

    // Attached to the inputs by the card and the new-person form: a refused save focuses the
    // first field in error.
    const refs = {
        subject: useRef<HTMLInputElement>(null),
        name: useRef<HTMLInputElement>(null),
        email: useRef<HTMLInputElement>(null),
    };

    const validate = (): DraftErrors => {
        const found: DraftErrors = {};
        if (!subject.trim()) {
            found.subject = t('ticket.error.subject');
        }
        if (mode === 'new') {
            if (!newPerson.name.trim()) {
                found.name = t('ticket.error.name');
            }
            if (newPerson.email && !EMAIL_RE.test(newPerson.email.trim())) {
                found.email = t('ticket.error.email');
            }
        }
        return found;
    };

    /** The PATCH body: the trimmed subject, the status when changed, and the customer. */
    const patch = (): TicketPatch => {
        const body: TicketPatch = {subject: subject.trim()};
        if (conversationStatus.trim() !== (ticket.conversation_status ?? '')) {
            body.status = conversationStatus.trim();
        }
        if (mode === 'new') {
            const person: NewPerson = {name: newPerson.name.trim()};
            if (newPerson.phone?.trim()) {
                person.phone = newPerson.phone.trim();
            }
            if (newPerson.email?.trim()) {
                person.email = newPerson.email.trim();
            }
            body.new_customer = person;
        } else if (selected?.id) {
            body.customer_id = selected.id;
        }
        return body;
    };

    const offerOwner = async (personId: string, phone: string, refusal: string) => {
        let owner: TicketCustomer = {id: personId, name: phone};
        try {
            const found = await helpdesk.client.searchPeople(phone);
            owner = found.items.find((p) => p.id === personId) ?? owner;
        } catch {
            // The id alone still selects the right person.
        }
        setSelected(owner);
        setMode('existing');
        setErrors({api: `${refusal} ${t('ticket.ownerOffered')}`});
    };

    /** Validates, then PATCHes the ticket and saves it; the saved ticket goes to the store. */
    const save = async (): Promise<void> => {
        const found = validate();
        setErrors(found);
        const invalid = (['subject', 'name', 'email'] as const).find((field) => found[field]);
        if (invalid) {
            refs[invalid].current?.focus();
            return;
        }

        const body = patch();
        setSaving(true);
        try {
            const updated = await helpdesk.client.updateTicket(id, body);
            if (mode === 'new' && updated?.customer?.id) {
                // The person now exists: a retry after a failed save must not create it twice.
                setSelected(updated.customer);
                setMode('existing');
            }
            const saved = await helpdesk.client.saveTicket(id);
            if (saved && typeof saved === 'object' && saved.id === id && saved.status) {
                helpdesk.receiveTicket(saved.status === 'saved' ? saved : {...saved, status: 'saved'});
            } else {
                helpdesk.receiveTicket({...ticket, ...(updated ?? {}), subject: body.subject!, status: 'saved'});
            }
        } catch (err) {
            setErrors({api: errorMessage(err)});
            setSaving(false);
            if (mode === 'new' && err instanceof ApiError && err.personId) {
                // The phone belongs to a person agents made: offer that person instead.
                offerOwner(err.personId, body.new_customer?.phone ?? '', errorMessage(err));
            }
        }
    };


    const choose = (person: Person) => setSelected(person);
    const switchToNew = () => setMode('new');
    const switchToExisting = () => {
        setMode('existing');
        setErrors((e) => ({...e, name: undefined, email: undefined}));
    };
    const setApiError = useCallback((message: string) => setErrors((e) => ({...e, api: message})), []);

    return {
        subject,
        setSubject,
        conversationStatus,
        setConversationStatus,
        mode,
        selected,
        newPerson,
        setNewPerson,
        errors,
        saving,
        refs,
        choose,
        switchToNew,
        switchToExisting,
        setApiError,
        save,
    };
}

export type TicketDraft = ReturnType<typeof useTicketDraft>;
