// The Indicators tab's side of the API: the period summary, the per-agent CSV, the agents of
// the user's chat groups and the user's own pause switch.
import type {Client} from './client';

export interface AgentIndicators {
    user_id: string;
    name: string;
    conversations: number;
    avg_first_response_seconds: number;
    avg_handle_seconds: number;
    csat_avg: number;
    csat_count: number;
}

/** GET reports/summary: averages are whole seconds; csat_avg is 0 while csat_count is 0. */
export interface Summary {
    from: string;
    to: string;
    group: string;
    time_zone: string;
    conversations: number;
    attended: number;
    avg_wait_seconds: number;
    avg_first_response_seconds: number;
    avg_handle_seconds: number;
    csat_avg: number;
    csat_count: number;
    by_agent: AgentIndicators[];
    by_hour: number[];
}

export interface AgentStatus {
    user_id: string;
    username: string;
    name: string;
    online: boolean;
    paused: boolean;
    active: number;
    groups: string[];
}

export interface Period {
    from: string;
    to: string;
    group?: string;
}

/** The last `days` days up to today, as the server counts them (UTC dates). */
export function lastDays(days: number, now: number = Date.now()): Period {
    const day = 24 * 3600 * 1000;
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    return {from: iso(now - ((days - 1) * day)), to: iso(now)};
}

function query(p: Period): string {
    const q = new URLSearchParams({from: p.from, to: p.to});
    if (p.group) {
        q.set('group', p.group);
    }
    return q.toString();
}

export function getSummary(client: Client, p: Period): Promise<Summary> {
    return client.request<Summary>('GET', `reports/summary?${query(p)}`);
}

/** A link the browser follows with its session: the per-agent table as CSV. */
export function agentsCsvUrl(client: Client, p: Period): string {
    return `${client.baseUrl()}/reports/agents.csv?${query(p)}`;
}

export async function getAgents(client: Client): Promise<{items: AgentStatus[]; paused: boolean}> {
    const body = await client.request<{items?: AgentStatus[]; paused?: boolean}>('GET', 'agents');
    return {items: body?.items ?? [], paused: Boolean(body?.paused)};
}

export function setPaused(client: Client, paused: boolean): Promise<{paused: boolean}> {
    return client.request<{paused: boolean}>('POST', 'agents/me/pause', {paused});
}

/** Whole seconds as "1h 02m", "4m 05s" or "6s". */
export function formatDuration(seconds: number): string {
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const pad = (n: number) => String(n).padStart(2, '0');
    if (h > 0) {
        return `${h}h ${pad(m)}m`;
    }
    if (m > 0) {
        return `${m}m ${pad(s % 60)}s`;
    }
    return `${s}s`;
}
