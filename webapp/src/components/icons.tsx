import React from 'react';

// A speech bubble with a handset: drawn for this plugin (not the WhatsApp trademark logo).
const BUBBLE = 'M12 2.5a9.5 9.5 0 0 0-8.3 14.1L2.5 21.5l5-1.2A9.5 9.5 0 1 0 12 2.5z';
const HANDSET = 'M9.1 7.4c.3 0 .5.1.6.4l.8 1.8c.1.3 0 .5-.1.7l-.6.7c.6 1.2 1.6 2.2 2.9 2.9l.7-.6c.2-.2.5-.2.7-.1l1.8.8c.3.1.4.4.4.7 0 1.2-1 2-2.2 1.9-3.3-.4-6-3.1-6.4-6.4-.1-1.3.7-2.3 1.9-2.3z';

export function ChatGlyph({size = 14, title}: {size?: number; title?: string}) {
    return (
        <svg
            width={size}
            height={size}
            viewBox='0 0 24 24'
            role={title ? 'img' : undefined}
            aria-hidden={title ? undefined : true}
            aria-label={title}
            focusable='false'
        >
            <path
                d={BUBBLE}
                fill='none'
                stroke='currentColor'
                strokeWidth='1.8'
                strokeLinejoin='round'
            />
            <path
                d={HANDSET}
                fill='currentColor'
            />
        </svg>
    );
}

/** Icon of the channel-header button (inherits the header's colour). */
export function HeaderIcon() {
    return (
        <span
            className='icon'
            style={{display: 'inline-flex', alignItems: 'center'}}
        >
            <ChatGlyph size={18}/>
        </span>
    );
}

/** App-bar icon: the app bar wants an image URL, so the glyph goes in as an SVG data URI. */
export const APP_BAR_ICON_URL = 'data:image/svg+xml;utf8,' + encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24">' +
    `<path d="${BUBBLE}" fill="#25d366" stroke="#1fa855" stroke-width="1.2" stroke-linejoin="round"/>` +
    `<path d="${HANDSET}" fill="#ffffff"/></svg>`,
);
