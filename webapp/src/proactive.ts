// Proactive conversations and customers' history: the JSON shapes and calls of
// POST conversations, GET start/templates, GET people/{id} and POST conversations/{id}/join.
import type {Client} from './client';
import type {Conversation, ConversationState, Person, TicketStatus} from './types';

/** One value a template needs when sent, in the order of StartRequest.params. */
export interface TemplateField {
    kind: 'header_media' | 'header' | 'body' | 'button';

    /** The placeholder's name, the media format (image, video, document) or "<n> <url|copy_code>". */
    name: string;
}

export interface StartTemplate {
    name: string;
    language: string;
    category: string;
    header?: string;
    body: string;
    fields: TemplateField[];
}

export interface StartRequest {
    phone: string;
    template: string;
    language?: string;
    params: string[];
    group?: string;
    channel_id?: string;
}

export interface HistoryConversation {
    id: string;
    state: ConversationState | 'closing';
    created_at: number;
    closed_at?: number;
    agent?: string;
    agent_id?: string;
    ticket_id?: string;
    channel_id?: string;
    channel?: string;
    team_name: string;
}

export interface HistoryTicket {
    id: string;
    subject: string;
    status: TicketStatus;
    conversation_id: string;
    created_at: number;
}

export interface PersonHistory extends Person {
    opted_out: boolean;
    conversations: HistoryConversation[];
    tickets: HistoryTicket[];
}

export const startTemplates = async (client: Client): Promise<StartTemplate[]> => {
    const body = await client.request<unknown>('GET', 'start/templates');
    return Array.isArray(body) ? body as StartTemplate[] : [];
};

export const startConversation = (client: Client, req: StartRequest): Promise<Conversation> =>
    client.request('POST', 'conversations', req);

export const personHistory = (client: Client, personId: string): Promise<PersonHistory> =>
    client.request('GET', `people/${encodeURIComponent(personId)}`);

export const joinConversation = (client: Client, id: string): Promise<Conversation> =>
    client.request('POST', `conversations/${encodeURIComponent(id)}/join`);

/** The template's text with the values typed so far in place of its placeholders. */
export function previewText(template: StartTemplate, values: string[]): string {
    let i = 0;
    const byName: Record<string, string> = {};
    template.fields.forEach((f) => {
        const v = values[i++] ?? '';
        if (f.kind === 'header' || f.kind === 'body') {
            byName[`${f.kind}:${f.name}`] = v;
        }
    });
    const fill = (kind: string, text = '') => text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (ph, name: string) => byName[`${kind}:${name}`] || ph);
    return [fill('header', template.header), fill('body', template.body)].filter(Boolean).join('\n');
}
