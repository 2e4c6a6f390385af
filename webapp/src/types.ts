// JSON shapes of the plugin's HTTP API (/plugins/whatsapp-helpdesk/api/v1). Times are Unix ms.

export type ConversationState = 'waiting' | 'active' | 'closed';

export interface ConversationCustomer {
    id: string;
    name: string;
    phone: string;
    wa_id?: string;
}

export interface Conversation {
    id: string;
    group_id?: string;
    channel_id: string;
    team_name: string;
    state: ConversationState;
    origin: string;
    customer: ConversationCustomer;
    agent_id?: string;
    agent_name?: string;
    created_at: number;
    attended_at?: number;
    closed_at?: number;
    last_inbound_at?: number;
    window_expires_at?: number;
    status?: string;
    ticket_id?: string;

    /** Agents' labels (`/whatsapp tag`); the ticket keeps them on close. */
    tags?: string[];
}

export type TicketStatus = 'draft' | 'saved';

export interface TicketCustomer {
    id?: string;
    name: string;
    phone?: string;
    email?: string;
    organization?: string;
    notes?: string;
}

export type TranscriptDirection = 'inbound' | 'outbound' | 'note';

export interface TranscriptEntry {
    at: number;
    author: string;
    direction: TranscriptDirection;
    text: string;
    attachments?: string[];
}

export interface Ticket {
    id: string;
    conversation_id: string;
    channel_id?: string;
    status: TicketStatus;
    subject: string;
    customer: TicketCustomer;
    conversation_status?: string;
    agent_id?: string;
    transcript?: TranscriptEntry[];
    created_at: number;
    saved_at?: number;
    tags?: string[];

    /** The satisfaction survey's answer (3 great, 2 okay, 1 poor), when it went out, or why not. */
    csat?: Csat | null;
    survey_sent_at?: number;
    csat_skipped?: string;
}

export interface Csat {
    score: number;
    at: number;
}

/** GET hours: whether each of the agent's chat groups is inside business hours. */
export interface BusinessHours {
    groups: Array<{group: string; open: boolean; time_zone?: string}>;
    outside_hours: string[];
}

export interface Person {
    id: string;
    name: string;
    phone?: string;
    email?: string;
    wa_id?: string;
    organization?: string;
    notes?: string;
}

/** Body of PATCH people/{id}: only the fields given change. */
export interface PersonPatch {
    name?: string;
    email?: string;
    phone?: string;
    organization?: string;
    notes?: string;
}

/** Filters of GET tickets and tickets/export.csv; `from`/`to` are RFC 3339 or Unix ms. */
export interface TicketQuery {
    q?: string;
    tag?: string;
    status?: TicketStatus | '';
    customer_id?: string;
    from?: string;
    to?: string;
}

export interface NewPerson {
    name: string;
    phone?: string;
    email?: string;
}

/** What POST conversations/{id}/attend and /close answer: the result plus notices, such as a
 * start or end message that could not be sent. */
export interface ActionAnswer {
    conversation?: Conversation;
    ticket?: Ticket;
    notices?: string[];
}

export interface Credits {
    granted: number;
    used: number;
    balance: number;
    low_threshold: number;
}

/** Body of PATCH tickets/{id}: either customer_id or new_customer, never both. */
export interface TicketPatch {
    subject?: string;

    /** The helpdesk status of the conversation (free text, e.g. "resolved"), kept on the ticket. */
    status?: string;
    customer_id?: string;
    new_customer?: NewPerson;

    /** Replaces the ticket's tags (lowercase, at most 32 characters each, at most 10). */
    tags?: string[];
}

/** One page of a list route (`page`, `per_page` ≤ 100) and how many items there are in all. */
export interface Paged<T> {
    items: T[];
    total: number;
}
