// The Indicators tab's styles, beside the panel's (styles.ts), with the same theme variables.
const rgb = 'var(--center-channel-color, #3f4350)';
const subtle = 'rgba(var(--center-channel-color-rgb, 63, 67, 80), 0.64)';
const border = 'rgba(var(--center-channel-color-rgb, 63, 67, 80), 0.16)';
const buttonBg = 'var(--button-bg, #1c58d9)';
const online = 'var(--online-indicator, #06d6a0)';
const away = 'var(--away-indicator, #ffbc1f)';

export const INDICATOR_CSS = `
.wahd-ind { display: flex; flex-direction: column; gap: 12px; }
.wahd-ind-bar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; justify-content: space-between; }
.wahd-ind-switch { display: inline-flex; gap: 6px; align-items: center; font-size: 12px; font-weight: 600; cursor: pointer; }
.wahd-ind-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px; }
.wahd-ind-card { border: 1px solid ${border}; border-radius: 6px; padding: 8px; }
.wahd-ind-card-label { color: ${subtle}; font-size: 11px; font-weight: 600; }
.wahd-ind-card-value { font-size: 18px; font-weight: 700; font-variant-numeric: tabular-nums; margin-top: 2px; color: ${rgb}; }
.wahd-ind-section { font-size: 12px; font-weight: 600; margin: 0 0 4px; }
.wahd-ind-table { width: 100%; border-collapse: collapse; font-size: 12px; }
.wahd-ind-table th { text-align: left; color: ${subtle}; font-size: 11px; font-weight: 600; padding: 3px 4px; border-bottom: 1px solid ${border}; }
.wahd-ind-table td { padding: 4px; border-bottom: 1px solid ${border}; font-variant-numeric: tabular-nums; }
.wahd-ind-dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 4px; background: ${border}; }
.wahd-ind-dot--online { background: ${online}; }
.wahd-ind-dot--paused { background: ${away}; }
.wahd-hourchart { display: block; max-height: 140px; }
.wahd-hourchart-bar { fill: ${buttonBg}; }
.wahd-hourchart-axis { stroke: ${border}; }
.wahd-hourchart-label { fill: ${subtle}; font-size: 9px; }
`;

const STYLE_ID = 'whatsapp-helpdesk-indicator-styles';

/** Adds the Indicators tab's stylesheet to the page once. */
export function ensureIndicatorStyles(doc: Document | undefined = typeof document === 'undefined' ? undefined : document): void {
    if (!doc || doc.getElementById(STYLE_ID)) {
        return;
    }
    const style = doc.createElement('style');
    style.id = STYLE_ID;
    style.textContent = INDICATOR_CSS;
    doc.head.appendChild(style);
}
