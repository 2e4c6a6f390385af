// Colours come from the Mattermost theme's CSS variables (so light and dark themes both work),
// with fallbacks for pages that do not define them.
const fg = 'var(--center-channel-color, #3f4350)';
const bg = 'var(--center-channel-bg, #ffffff)';
const rgb = 'var(--center-channel-color-rgb, 63, 67, 80)';
const subtle = `rgba(${rgb}, 0.64)`;
const border = `rgba(${rgb}, 0.16)`;
const hover = `rgba(${rgb}, 0.08)`;
const buttonBg = 'var(--button-bg, #1c58d9)';
const buttonColor = 'var(--button-color, #ffffff)';
const errorColor = 'var(--error-text, #d24b4e)';
const awayColor = 'var(--away-indicator, #ffbc1f)';
const linkColor = 'var(--link-color, #386fe5)';

export const CSS = `
.wahd { color: ${fg}; background: ${bg}; font-size: 13px; line-height: 18px; display: flex; flex-direction: column; height: 100%; min-height: 0; }
.wahd *, .wahd *::before, .wahd *::after { box-sizing: border-box; }
.wahd-header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; border-bottom: 1px solid ${border}; flex-wrap: wrap; }
.wahd-header-title { font-weight: 600; font-size: 14px; flex: 1 1 auto; }
.wahd-credits { display: inline-flex; align-items: center; gap: 4px; padding: 2px 8px; border-radius: 10px; border: 1px solid ${border}; font-size: 12px; white-space: nowrap; }
.wahd-credits--low { border-color: ${awayColor}; background: rgba(255, 188, 31, 0.16); }
.wahd-credits--empty { border-color: ${errorColor}; color: ${errorColor}; background: rgba(210, 75, 78, 0.1); }
.wahd-icon-button { background: transparent; border: 1px solid ${border}; color: ${fg}; border-radius: 4px; padding: 2px 8px; font-size: 12px; cursor: pointer; }
.wahd-icon-button:hover { background: ${hover}; }
.wahd-banner { margin: 8px 12px 0; padding: 8px 10px; border-radius: 4px; font-size: 12px; display: flex; gap: 8px; align-items: flex-start; }
.wahd-banner > span { flex: 1 1 auto; }
.wahd-notices { flex: 1 1 auto; margin: 0; padding-left: 16px; }
.wahd-banner--warning { background: rgba(255, 188, 31, 0.16); border: 1px solid ${awayColor}; }
.wahd-banner--error { background: rgba(210, 75, 78, 0.1); border: 1px solid ${errorColor}; color: ${errorColor}; }
.wahd-tabs { display: flex; flex-wrap: wrap; gap: 2px; padding: 8px 12px 0; border-bottom: 1px solid ${border}; }
.wahd-tab { background: transparent; border: none; border-bottom: 2px solid transparent; color: ${subtle}; padding: 6px 8px; font-size: 13px; font-weight: 600; cursor: pointer; white-space: nowrap; }
.wahd-tab:hover { color: ${fg}; }
.wahd-tab[aria-selected="true"] { color: ${buttonBg}; border-bottom-color: ${buttonBg}; }
.wahd-count { display: inline-block; min-width: 18px; margin-left: 4px; padding: 0 5px; border-radius: 9px; background: ${hover}; color: ${fg}; font-size: 11px; text-align: center; }
.wahd-body { flex: 1 1 auto; overflow-y: auto; padding: 8px 12px 16px; container-type: inline-size; container-name: wahd-body; }
.wahd-section-title { font-size: 12px; font-weight: 600; color: ${subtle}; text-transform: uppercase; letter-spacing: 0.02em; margin: 4px 0 8px; }
.wahd-empty { color: ${subtle}; padding: 16px 0; text-align: center; }
.wahd-table { width: 100%; border-collapse: collapse; table-layout: auto; }
.wahd-table th { text-align: left; font-size: 11px; font-weight: 600; color: ${subtle}; padding: 4px 6px; border-bottom: 1px solid ${border}; white-space: nowrap; }
.wahd-table td { padding: 6px; border-bottom: 1px solid ${border}; vertical-align: top; }
.wahd-row { cursor: pointer; }
.wahd-row:hover, .wahd-row:focus-within { background: ${hover}; }
.wahd-row:focus { outline: 2px solid ${buttonBg}; outline-offset: -2px; }
.wahd-badge { display: inline-flex; align-items: center; gap: 3px; padding: 1px 6px; border-radius: 4px; font-size: 11px; font-weight: 600; background: rgba(37, 211, 102, 0.16); color: ${fg}; white-space: nowrap; }
.wahd-badge svg { color: #1fa855; }
.wahd-customer-name { font-weight: 600; color: ${linkColor}; text-decoration: none; word-break: break-word; }
.wahd-customer-name:hover { text-decoration: underline; }
.wahd-phone, .wahd-muted { color: ${subtle}; font-size: 12px; white-space: nowrap; }
.wahd-clock { font-variant-numeric: tabular-nums; white-space: nowrap; }
.wahd-window--soon { color: ${awayColor}; font-weight: 600; }
.wahd-window--expired { color: ${errorColor}; font-weight: 600; }
.wahd-button { background: ${buttonBg}; color: ${buttonColor}; border: none; border-radius: 4px; padding: 4px 10px; font-size: 12px; font-weight: 600; cursor: pointer; white-space: nowrap; }
.wahd-button:hover { filter: brightness(1.08); }
.wahd-button:disabled { opacity: 0.6; cursor: default; }
.wahd-button--secondary { background: transparent; color: ${buttonBg}; border: 1px solid ${buttonBg}; }
.wahd-button--danger { background: ${errorColor}; }
.wahd-link-button { background: none; border: none; padding: 0; color: ${linkColor}; cursor: pointer; font-size: 12px; }
.wahd-link-button:hover { text-decoration: underline; }
.wahd-confirm { margin-top: 6px; font-size: 12px; display: flex; flex-direction: column; gap: 4px; white-space: normal; }
.wahd-confirm-actions { display: flex; gap: 6px; }
.wahd-inline-error { color: ${errorColor}; font-size: 12px; margin-top: 4px; }
.wahd-more { display: flex; gap: 8px; align-items: center; margin-top: 6px; font-size: 12px; }
.wahd-ticket { border: 1px solid ${border}; border-radius: 6px; padding: 10px; margin-bottom: 12px; }
.wahd-ticket-head { display: flex; justify-content: space-between; gap: 8px; align-items: baseline; margin-bottom: 6px; }
.wahd-ticket-title { font-weight: 600; font-size: 14px; word-break: break-word; }
.wahd-ticket-meta { color: ${subtle}; font-size: 12px; word-break: break-word; }
.wahd-status { font-size: 11px; font-weight: 600; padding: 1px 6px; border-radius: 4px; background: ${hover}; white-space: nowrap; }
.wahd-field { display: flex; flex-direction: column; gap: 3px; margin-top: 8px; }
.wahd-field > label, .wahd-field-label { font-size: 12px; font-weight: 600; }
.wahd-input { width: 100%; padding: 5px 8px; border-radius: 4px; border: 1px solid ${border}; background: ${bg}; color: ${fg}; font-size: 13px; }
.wahd-input:focus { outline: none; border-color: ${buttonBg}; box-shadow: 0 0 0 1px ${buttonBg}; }
.wahd-input[aria-invalid="true"] { border-color: ${errorColor}; }
.wahd-results { list-style: none; margin: 4px 0 0; padding: 0; border: 1px solid ${border}; border-radius: 4px; max-height: 180px; overflow-y: auto; }
.wahd-results li + li { border-top: 1px solid ${border}; }
.wahd-result { width: 100%; text-align: left; background: transparent; border: none; color: ${fg}; padding: 5px 8px; cursor: pointer; font-size: 12px; }
.wahd-result:hover, .wahd-result:focus { background: ${hover}; }
.wahd-chip { display: inline-flex; gap: 6px; align-items: baseline; padding: 3px 8px; border-radius: 12px; background: ${hover}; font-size: 12px; }
.wahd-tags { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; margin-top: 6px; }
.wahd-tag { display: inline-flex; gap: 4px; align-items: baseline; padding: 1px 8px; border-radius: 10px; background: ${hover}; font-size: 12px; }
.wahd-tag-input { width: auto; flex: 1 1 80px; }
.wahd-search { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 6px; }
.wahd-search .wahd-input { width: auto; flex: 1 1 100px; }
.wahd-search a.wahd-button { text-decoration: none; }
.wahd-found { list-style: none; margin: 6px 0 0; padding: 0; }
.wahd-person-editor { border-top: 1px solid ${border}; margin-top: 8px; padding-top: 4px; }
.wahd-new-person { border-left: 3px solid ${buttonBg}; padding-left: 8px; margin-top: 6px; }
.wahd-transcript { list-style: none; margin: 6px 0 0; padding: 0; max-height: 260px; overflow-y: auto; border: 1px solid ${border}; border-radius: 4px; }
.wahd-transcript li { padding: 5px 8px; font-size: 12px; }
.wahd-transcript li + li { border-top: 1px solid ${border}; }
.wahd-msg--inbound { border-left: 3px solid #1fa855; }
.wahd-msg--outbound { border-left: 3px solid ${buttonBg}; }
.wahd-msg--note { border-left: 3px solid ${awayColor}; font-style: italic; }
.wahd-msg-meta { color: ${subtle}; font-size: 11px; }
.wahd-msg-text { white-space: pre-wrap; word-break: break-word; }
.wahd-actions { display: flex; justify-content: flex-end; gap: 8px; margin-top: 10px; }
.wahd-post-origin { display: flex; gap: 6px; align-items: center; margin-bottom: 2px; }
.wahd-post-text { white-space: pre-wrap; word-break: break-word; }
.wahd-delivery { display: inline-flex; align-items: center; gap: 3px; font-size: 11px; color: ${subtle}; margin-top: 2px; }
.wahd-delivery--read { color: ${linkColor}; }
.wahd-delivery--failed { color: ${errorColor}; }
/* Narrow panel (the usual RHS width): each row becomes a two-line card; the column headers
   move into per-cell labels. The table keeps its semantics for screen readers. */
@container wahd-body (max-width: 560px) {
    .wahd-table, .wahd-table tbody { display: block; }
    .wahd-table thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0, 0, 0, 0); }
    .wahd-row { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 2px 8px; padding: 8px 4px; border-bottom: 1px solid ${border}; }
    .wahd-row::after { content: ''; order: 3; flex: 0 0 100%; height: 0; }
    .wahd-table td { border: none; padding: 0; }
    .wahd-cell-origin { order: 0; flex: 0 0 auto; padding-top: 1px !important; }
    .wahd-cell-customer { order: 1; flex: 1 1 0; min-width: 0; }
    .wahd-cell-actions { order: 2; flex: 0 0 auto; max-width: 55%; }
    .wahd-cell-meta { order: 4; flex: 1 1 0; min-width: 0; font-size: 12px; }
    .wahd-cell-meta::before { content: attr(data-label); display: block; font-size: 11px; color: ${subtle}; }
}
.wahd-start { margin: 8px 12px 0; padding: 8px 10px; border: 1px solid ${border}; border-radius: 4px; }
.wahd-start-preview .wahd-muted { white-space: normal; }
.wahd-start-preview { margin-top: 8px; overflow-wrap: anywhere; padding: 6px 8px; border-left: 3px solid #25d366; background: ${hover}; border-radius: 2px; }
.wahd-start-preview-text { white-space: pre-wrap; margin: 2px 0 4px; }
.wahd-start-actions { display: flex; gap: 8px; margin-top: 8px; }
.wahd-history { padding: 8px 12px; border-top: 1px solid ${border}; }
.wahd-history-list { list-style: none; margin: 4px 0 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.wahd-badge--warning { background: rgba(255, 188, 31, 0.24); margin-left: 6px; }
.wahd-sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
`;

const STYLE_ID = 'whatsapp-helpdesk-styles';

/** Adds the plugin's stylesheet to the page once. */
export function ensureStyles(doc: Document | undefined = typeof document === 'undefined' ? undefined : document): void {
    if (!doc || doc.getElementById(STYLE_ID)) {
        return;
    }
    const style = doc.createElement('style');
    style.id = STYLE_ID;
    style.textContent = CSS;
    doc.head.appendChild(style);
}
