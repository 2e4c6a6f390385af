// The plugin's own state: a reducer behind a tiny observable store, independent of the shape of
// Mattermost's redux store (which changes between server versions).
import type {Locale} from './i18n';
import type {Conversation, ConversationState, Credits, Paged, Ticket} from './types';

export interface State {
    locale: Locale;
    conversations: Record<string, Conversation>;
    tickets: Record<string, Ticket>;
    credits: Credits | null;
    loading: boolean;

    /** True once a full fetch has completed (successfully or not). */
    loaded: boolean;
    error: string | null;

    /** What the server said went wrong around a successful action (e.g. a start message not sent). */
    notices: string[];

    /** Per list, how many conversations the server has beyond the pages loaded, and the next page. */
    more: Partial<Record<ConversationState, {count: number; nextPage: number}>>;

    /** The Mattermost channel the user is looking at (its customer's history is shown). */
    currentChannelId: string;
}

export type Action =
    | {type: 'locale'; locale: Locale}
    | {type: 'fetch_start'}
    | {
        type: 'fetch_done';
        conversations: Partial<Record<ConversationState, Paged<Conversation>>>;
        drafts?: Ticket[];
        credits?: Credits;
        error: string | null;
    }
    | {type: 'conversation'; conversation: Conversation}
    | {type: 'conversations_page'; state: ConversationState; page: number; perPage: number; list: Paged<Conversation>}
    | {type: 'ticket'; ticket: Ticket}
    | {type: 'credits'; credits: Credits}
    | {type: 'error'; error: string | null}
    | {type: 'notices'; notices: string[]}
    | {type: 'channel'; channelId: string};

export const initialState = (locale: Locale = 'en'): State => ({
    locale,
    conversations: {},
    tickets: {},
    credits: null,
    loading: false,
    loaded: false,
    error: null,
    notices: [],
    more: {},
    currentChannelId: '',
});

function withMore(more: State['more'], state: ConversationState, page: number, perPage: number, total: number): State['more'] {
    return {...more, [state]: {count: Math.max(total - ((page + 1) * perPage), 0), nextPage: page + 1}};
}

export function reducer(state: State, action: Action): State {
    switch (action.type) {
    case 'locale':
        return state.locale === action.locale ? state : {...state, locale: action.locale};
    case 'fetch_start':
        return {...state, loading: true};
    case 'fetch_done': {
        let conversations = state.conversations;
        let more = state.more;
        for (const [conversationState, page] of Object.entries(action.conversations)) {
            if (!page) {
                continue;
            }
            const list = page.items;
            more = withMore(more, conversationState as ConversationState, 0, Math.max(list.length, 1), page.total);

            // The fetched list is the truth for its state: drop what left it, add what is there.
            const next: Record<string, Conversation> = {};
            for (const c of Object.values(conversations)) {
                if (c.state !== conversationState) {
                    next[c.id] = c;
                }
            }
            for (const c of list) {
                next[c.id] = c;
            }
            conversations = next;
        }
        let tickets = state.tickets;
        if (action.drafts) {
            tickets = {};
            for (const t of action.drafts) {
                tickets[t.id] = t;
            }
        }
        return {
            ...state,
            conversations,
            more,
            tickets,
            credits: action.credits ?? state.credits,
            loading: false,
            loaded: true,
            error: action.error,
        };
    }
    case 'conversation':
        return {...state, conversations: {...state.conversations, [action.conversation.id]: action.conversation}};
    case 'conversations_page': {
        const conversations = {...state.conversations};
        for (const c of action.list.items) {
            conversations[c.id] = c;
        }
        return {...state, conversations, more: withMore(state.more, action.state, action.page, action.perPage, action.list.total)};
    }
    case 'ticket': {
        // Websocket events carry summaries without the transcript: keep the lines already known.
        const known = state.tickets[action.ticket.id];
        const ticket = action.ticket.transcript === undefined && known?.transcript ? {...action.ticket, transcript: known.transcript} : action.ticket;
        return {...state, tickets: {...state.tickets, [ticket.id]: ticket}};
    }
    case 'credits':
        return {...state, credits: action.credits};
    case 'error':
        return state.error === action.error ? state : {...state, error: action.error};
    case 'notices':
        return state.notices.length === 0 && action.notices.length === 0 ? state : {...state, notices: action.notices};
    case 'channel':
        return state.currentChannelId === action.channelId ? state : {...state, currentChannelId: action.channelId};
    default:
        return state;
    }
}

export class PluginStore {
    private state: State;
    private readonly listeners = new Set<() => void>();

    constructor(state: State = initialState()) {
        this.state = state;
    }

    getState = (): State => this.state;

    subscribe = (listener: () => void): (() => void) => {
        this.listeners.add(listener);
        return () => {
            this.listeners.delete(listener);
        };
    };

    dispatch = (action: Action): void => {
        const next = reducer(this.state, action);
        if (next === this.state) {
            return;
        }
        this.state = next;
        for (const listener of [...this.listeners]) {
            listener();
        }
    };
}

// Selectors. They return new arrays: call them inside useMemo keyed on the state slices.

export function conversationsIn(conversations: Record<string, Conversation>, state: ConversationState): Conversation[] {
    return Object.values(conversations).
        filter((c) => c.state === state).
        sort((a, b) => (a.created_at - b.created_at) || a.id.localeCompare(b.id));
}

export function draftTickets(tickets: Record<string, Ticket>): Ticket[] {
    return Object.values(tickets).
        filter((t) => t.status === 'draft').
        sort((a, b) => (b.created_at - a.created_at) || a.id.localeCompare(b.id));
}

export function isLowBalance(credits: Credits | null): boolean {
    return Boolean(credits) && credits!.balance <= credits!.low_threshold;
}
