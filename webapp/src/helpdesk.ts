// Glue between the API client, the plugin store and the websocket: every way data arrives
// (fetch, action answer, websocket event, reconnect) goes through here.
import {ApiError, Client, CONVERSATION_PAGE} from './client';
import type {WebSocketMessage} from './mattermost';
import {PluginStore, type Action} from './store';
import type {Conversation, ConversationState, Credits, Ticket} from './types';

/** Websocket payload values are JSON strings (the server's RPC cannot gob-encode structs). */
export function parseEventPayload<T>(data: unknown, key: string): T | null {
    if (!data || typeof data !== 'object') {
        return null;
    }
    let value = (data as Record<string, unknown>)[key];
    if (typeof value === 'string') {
        try {
            value = JSON.parse(value);
        } catch {
            return null;
        }
    }
    return value && typeof value === 'object' ? value as T : null;
}

const isConversation = (v: unknown): v is Conversation =>
    Boolean(v) && typeof v === 'object' && typeof (v as Conversation).id === 'string' && typeof (v as Conversation).state === 'string';

const isTicket = (v: unknown): v is Ticket =>
    Boolean(v) && typeof v === 'object' && typeof (v as Ticket).id === 'string' && typeof (v as Ticket).status === 'string';

const isCredits = (v: unknown): v is Credits =>
    Boolean(v) && typeof v === 'object' && typeof (v as Credits).balance === 'number';

export const errorMessage = (err: unknown): string => {
    if (err instanceof ApiError || err instanceof Error) {
        return err.message;
    }
    return String(err);
};

export class Helpdesk {
    readonly client: Client;
    readonly store: PluginStore;

    /** Set by the first fetch: the panel has been opened, so reconnects refresh. */
    private started = false;
    private fetchSeq = 0;

    /** Websocket updates seen while a refresh is in flight: re-applied over its (older) answer. */
    private pendingEvents: Action[] | null = null;

    constructor(client: Client, store: PluginStore) {
        this.client = client;
        this.store = store;
    }

    /** Loads waiting and active conversations, draft tickets and credits. */
    refresh = async (): Promise<void> => {
        this.started = true;
        const seq = ++this.fetchSeq;
        this.pendingEvents = [];
        this.store.dispatch({type: 'fetch_start'});
        const [waiting, active, drafts, credits] = await Promise.allSettled([
            this.client.getConversations('waiting'),
            this.client.getConversations('active'),
            this.client.getTickets('draft'),
            this.client.getCredits(),
        ]);
        if (seq !== this.fetchSeq) {
            return; // a newer refresh is on its way
        }
        const failure = [waiting, active, drafts, credits].find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
        this.store.dispatch({
            type: 'fetch_done',
            conversations: {
                waiting: waiting.status === 'fulfilled' ? waiting.value : undefined,
                active: active.status === 'fulfilled' ? active.value : undefined,
            },
            drafts: drafts.status === 'fulfilled' ? drafts.value : undefined,
            credits: credits.status === 'fulfilled' && isCredits(credits.value) ? credits.value : undefined,
            error: failure ? errorMessage(failure.reason) : null,
        });
        const replay = this.pendingEvents ?? [];
        this.pendingEvents = null;
        replay.forEach(this.store.dispatch);
    };

    private receive(action: Action): void {
        this.pendingEvents?.push(action);
        this.store.dispatch(action);
    }

    /** Starts the first fetch once (the panel calls this when it mounts). */
    ensureLoaded = (): void => {
        if (!this.started) {
            this.refresh();
        }
    };

    onReconnect = (): void => {
        if (this.started) {
            this.refresh();
        }
    };

    onConversationEvent = (msg: WebSocketMessage): void => {
        const conversation = parseEventPayload<Conversation>(msg?.data, 'conversation');
        if (isConversation(conversation)) {
            this.receive({type: 'conversation', conversation});
        }
    };

    onTicketEvent = (msg: WebSocketMessage): void => {
        const ticket = parseEventPayload<Ticket>(msg?.data, 'ticket');
        if (!isTicket(ticket)) {
            return;
        }
        this.receive({type: 'ticket', ticket});
        // A summary of a draft not seen before (a close elsewhere): fetch its transcript.
        const known = this.store.getState().tickets[ticket.id];
        if (ticket.transcript === undefined && ticket.status === 'draft' && !known?.transcript) {
            this.client.getTicket(ticket.id).then(this.receiveTicket, () => undefined);
        }
    };

    /** Loads the next page of a conversation list, beyond the first the refresh loaded. */
    loadMore = async (state: ConversationState): Promise<void> => {
        const page = this.store.getState().more[state]?.nextPage ?? 1;
        const list = await this.client.getConversations(state, page, CONVERSATION_PAGE);
        this.store.dispatch({type: 'conversations_page', state, page, perPage: CONVERSATION_PAGE, list});
    };

    onCreditsEvent = (msg: WebSocketMessage): void => {
        const credits = parseEventPayload<Credits>(msg?.data, 'credits');
        if (isCredits(credits)) {
            this.receive({type: 'credits', credits});
        }
    };

    /** Attends a conversation; the row moves when the answer or the websocket event arrives. */
    attend = async (id: string): Promise<void> => {
        this.receiveAnswer(await this.client.attend(id));
    };

    close = async (id: string): Promise<void> => {
        this.receiveAnswer(await this.client.close(id));
    };

    /** Applies an attend/close answer ({conversation?, ticket?, notices?}) and shows its notices. */
    private receiveAnswer(answer: unknown): void {
        if (!answer || typeof answer !== 'object') {
            return;
        }
        const wrapped = answer as {conversation?: unknown; ticket?: unknown; notices?: unknown};
        if (isConversation(wrapped.conversation)) {
            this.store.dispatch({type: 'conversation', conversation: wrapped.conversation});
        }
        if (isTicket(wrapped.ticket)) {
            this.store.dispatch({type: 'ticket', ticket: wrapped.ticket});
        }
        const notices = Array.isArray(wrapped.notices) ? wrapped.notices.filter((n): n is string => typeof n === 'string' && n !== '') : [];
        this.store.dispatch({type: 'notices', notices});
    }

    /** Replaces a conversation's tags; the row shows the answer. */
    setConversationTags = async (id: string, tags: string[]): Promise<void> => {
        const conversation = await this.client.setConversationTags(id, tags);
        if (isConversation(conversation)) {
            this.store.dispatch({type: 'conversation', conversation});
        }
    };

    dismissNotices = (): void => {
        this.store.dispatch({type: 'notices', notices: []});
    };

    /** Records a ticket the API answered with (PATCH / save). */
    receiveTicket = (ticket: unknown): void => {
        if (isTicket(ticket)) {
            this.store.dispatch({type: 'ticket', ticket});
        }
    };

    setError = (error: string | null): void => {
        this.store.dispatch({type: 'error', error});
    };
}
