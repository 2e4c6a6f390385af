import {PLUGIN_ID} from './manifest';

/** Websocket events the server publishes (Mattermost prefixes them with custom_<plugin id>_). */
export const WS_EVENTS = {
    conversationUpdated: `custom_${PLUGIN_ID}_conversation_updated`,
    ticketUpdated: `custom_${PLUGIN_ID}_ticket_updated`,
    creditsUpdated: `custom_${PLUGIN_ID}_credits_updated`,
} as const;

/** Post types the server writes; Mattermost requires the custom_ prefix. */
export const POST_TYPES = {
    inbound: 'custom_whatsapp_inbound',
    outbound: 'custom_whatsapp_outbound',
} as const;
