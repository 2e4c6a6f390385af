// Fetch wrapper for the plugin's HTTP API. Mattermost authenticates the browser by its session
// cookie; the server rejects cookie-authenticated writes without the CSRF token and the
// X-Requested-With header, so both are always sent.
import {PLUGIN_ID} from './manifest';
import type {
    ActionAnswer,
    BusinessHours,
    Conversation,
    ConversationState,
    Credits,
    NewPerson,
    Paged,
    Person,
    PersonPatch,
    Ticket,
    TicketPatch,
    TicketQuery,
    TicketStatus,
} from './types';

export const API_PATH = `/plugins/${PLUGIN_ID}/api/v1`;

/** An error answered by the API, carrying the server's `{"error": "..."}` message. */
export class ApiError extends Error {
    readonly status: number;

    /** A 409 about a phone that belongs to another person names that person. */
    readonly personId?: string;

    constructor(message: string, status: number, personId?: string) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.personId = personId;
    }
}

export interface ClientOptions {

    /** Full base URL or path of the API, e.g. 'http://127.0.0.1:8065/plugins/whatsapp-helpdesk/api/v1'. */
    baseUrl?: string;

    /** Sub-path Mattermost is served under, used when window.basename is unset. */
    siteSubpath?: () => string;
    fetch?: typeof fetch;
}

export function readCookie(name: string, cookies: string = typeof document === 'undefined' ? '' : document.cookie): string {
    for (const part of cookies.split(';')) {
        const eq = part.indexOf('=');
        if (eq < 0) {
            continue;
        }
        if (part.slice(0, eq).trim() === name) {
            return decodeURIComponent(part.slice(eq + 1).trim());
        }
    }
    return '';
}

/** Page size of the panel's conversation lists (the server's maximum). */
export const CONVERSATION_PAGE = 100;

/** Page size of the tickets view. */
export const TICKET_PAGE = 20;

/** The non-empty filters as query parameters, each followed by '&'. */
function ticketQueryString(query: TicketQuery): string {
    let out = '';
    for (const key of ['q', 'tag', 'status', 'customer_id', 'from', 'to'] as const) {
        const value = query[key]?.trim();
        if (value) {
            out += `${key}=${encodeURIComponent(value)}&`;
        }
    }
    return out;
}

/** Page size of people search results. */
export const PEOPLE_PAGE = 20;

/** List routes answer {"items": [...], "total": n}; a bare array (older servers) is one full page. */
function asPaged<T>(body: unknown): Paged<T> {
    if (Array.isArray(body)) {
        return {items: body as T[], total: body.length};
    }
    if (body && typeof body === 'object' && Array.isArray((body as {items?: unknown}).items)) {
        const {items, total} = body as {items: T[]; total?: unknown};
        return {items, total: typeof total === 'number' ? total : items.length};
    }
    return {items: [], total: 0};
}

export class Client {
    private readonly options: ClientOptions;

    constructor(options: ClientOptions = {}) {
        this.options = options;
    }

    baseUrl(): string {
        if (this.options.baseUrl) {
            return this.options.baseUrl.replace(/\/+$/, '');
        }
        let prefix = '';
        if (typeof window !== 'undefined' && typeof window.basename === 'string' && window.basename) {
            prefix = window.basename;
        } else if (this.options.siteSubpath) {
            prefix = this.options.siteSubpath();
        }
        return prefix.replace(/\/+$/, '') + API_PATH;
    }

    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
        const headers: Record<string, string> = {
            Accept: 'application/json',
            'X-Requested-With': 'XMLHttpRequest',
        };
        const csrf = readCookie('MMCSRF');
        if (csrf) {
            headers['X-CSRF-Token'] = csrf;
        }
        const init: RequestInit = {method, headers, credentials: 'include'};
        if (body !== undefined) {
            headers['Content-Type'] = 'application/json';
            init.body = JSON.stringify(body);
        }
        const doFetch = this.options.fetch ?? fetch;
        let response: Response;
        try {
            response = await doFetch(this.baseUrl() + '/' + path.replace(/^\/+/, ''), init);
        } catch (err) {
            throw new ApiError(err instanceof Error ? err.message : String(err), 0);
        }
        const text = await response.text();
        let parsed: unknown;
        if (text) {
            try {
                parsed = JSON.parse(text);
            } catch {
                parsed = undefined;
            }
        }
        if (!response.ok) {
            const message = parsed && typeof parsed === 'object' && typeof (parsed as {error?: unknown}).error === 'string' ?
                (parsed as {error: string}).error :
                (text.trim() || response.statusText || `HTTP ${response.status}`);
            const personId = parsed && typeof parsed === 'object' && typeof (parsed as {person_id?: unknown}).person_id === 'string' ?
                (parsed as {person_id: string}).person_id : undefined;
            throw new ApiError(message, response.status, personId);
        }
        return parsed as T;
    }

    /** One page (from 0) of the conversations in a state. */
    async getConversations(state: ConversationState, page = 0, perPage = CONVERSATION_PAGE): Promise<Paged<Conversation>> {
        return asPaged<Conversation>(await this.request('GET', `conversations?state=${encodeURIComponent(state)}&page=${page}&per_page=${perPage}`));
    }

    /** Replaces an open conversation's tags; answers the conversation. */
    setConversationTags(id: string, tags: string[]): Promise<Conversation> {
        return this.request('PATCH', `conversations/${encodeURIComponent(id)}`, {tags});
    }

    attend(id: string): Promise<ActionAnswer | undefined> {
        return this.request('POST', `conversations/${encodeURIComponent(id)}/attend`);
    }

    invite(id: string, userId: string): Promise<unknown> {
        return this.request('POST', `conversations/${encodeURIComponent(id)}/invite`, {user_id: userId});
    }

    close(id: string): Promise<ActionAnswer | undefined> {
        return this.request('POST', `conversations/${encodeURIComponent(id)}/close`);
    }

    async getTickets(status: TicketStatus): Promise<Ticket[]> {
        return asPaged<Ticket>(await this.request('GET', `tickets?status=${encodeURIComponent(status)}&per_page=100`)).items;
    }

    /** One page (from 0) of the tickets matching the filters, newest first, without transcripts. */
    async searchTickets(query: TicketQuery, page = 0, perPage = TICKET_PAGE): Promise<Paged<Ticket>> {
        return asPaged<Ticket>(await this.request('GET', `tickets?${ticketQueryString(query)}page=${page}&per_page=${perPage}`));
    }

    /** The address of the CSV export of the tickets matching the filters (a download link). */
    ticketsExportUrl(query: TicketQuery): string {
        return `${this.baseUrl()}/tickets/export.csv?${ticketQueryString(query)}`.replace(/[?&]$/, '');
    }

    getTicket(id: string): Promise<Ticket> {
        return this.request('GET', `tickets/${encodeURIComponent(id)}`);
    }

    updateTicket(id: string, patch: TicketPatch): Promise<Ticket | undefined> {
        return this.request('PATCH', `tickets/${encodeURIComponent(id)}`, patch);
    }

    saveTicket(id: string): Promise<Ticket | undefined> {
        return this.request('POST', `tickets/${encodeURIComponent(id)}/save`);
    }

    /** One page (from 0) of the people matching q. */
    async searchPeople(q: string, page = 0, perPage = PEOPLE_PAGE): Promise<Paged<Person>> {
        return asPaged<Person>(await this.request('GET', `people?q=${encodeURIComponent(q)}&page=${page}&per_page=${perPage}`));
    }

    createPerson(person: NewPerson): Promise<Person> {
        return this.request('POST', 'people', person);
    }

    updatePerson(id: string, patch: PersonPatch): Promise<Person> {
        return this.request('PATCH', `people/${encodeURIComponent(id)}`, patch);
    }

    /** Merges the person `id` into `into`: everything of `id` moves, and `id` is gone. */
    mergePerson(id: string, into: string): Promise<Person> {
        return this.request('POST', `people/${encodeURIComponent(id)}/merge`, {into});
    }

    getCredits(): Promise<Credits> {
        return this.request('GET', 'credits');
    }

    getHours(): Promise<BusinessHours> {
        return this.request('GET', 'hours');
    }
}
