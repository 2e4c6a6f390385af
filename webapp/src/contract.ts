// What the server writes and the webapp reads: websocket events, post types and post props.
// POST_TYPES and PROPS mirror the Go constants of server/wapost; both sides are checked against
// contract.json (tests/contract.test.ts here, server/wapost/contract_test.go there).
import {PLUGIN_ID} from './manifest';

/** Websocket events the server publishes (Mattermost prefixes them with custom_<plugin id>_). */
export const WS_EVENTS = {
    conversationUpdated: `custom_${PLUGIN_ID}_conversation_updated`,
    ticketUpdated: `custom_${PLUGIN_ID}_ticket_updated`,
    creditsUpdated: `custom_${PLUGIN_ID}_credits_updated`,
} as const;

/** Post types the server writes; Mattermost requires the custom_ prefix. */
export const POST_TYPES = {

    /** A customer's message (InboundPostType). */
    inbound: 'custom_whatsapp_inbound',

    /** The queue announcement with its Attend button (QueuePostType); the host renders it. */
    queue: 'custom_whatsapp_queue',
} as const;

/** Post prop keys the server writes. Agents' replies are ordinary posts that gain status props. */
export const PROPS = {
    origin: 'wa_origin',

    /** The conversation of the plugin's notes and sends (a customer's post has its channel's). */
    conversation: 'wa_conversation_id',

    /** Inbound (POST_TYPES.inbound): the customer's name and WhatsApp's message id. */
    customer: 'wa_customer',
    wamid: 'wa_wamid',
    mediaPending: 'wa_media_pending',
    mediaFailed: 'wa_media_failed',

    /** Outbound: delivery state (sent|delivered|read|played|failed|not_sent|unknown), its reason
     * ("<code>:<title>"), the message ids and what kind of message it was. */
    status: 'wa_status',
    error: 'wa_error',
    wamids: 'wa_wamids',
    kind: 'wa_kind',
    resendFor: 'wa_resend_for',

    /** WhatsApp's time of a customer's message (ms); the agent a bot post speaks for. */
    timestamp: 'wa_timestamp',
    agentId: 'wa_agent_id',

    /** Queue announcement: the customer's phone and the conversation's state. */
    phone: 'wa_phone',
    state: 'wa_state',
} as const;
