import {afterEach, describe, expect, it, vi} from 'vitest';

import {API_PATH, ApiError, Client, readCookie} from '../src/client';

type Call = {url: string; init: RequestInit};

function fakeFetch(status: number, body: unknown, raw = false) {
    const calls: Call[] = [];
    const fn = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
        calls.push({url: String(url), init: init ?? {}});
        return new Response(raw ? String(body) : JSON.stringify(body), {status, headers: {'Content-Type': 'application/json'}});
    });
    return {fn: fn as unknown as typeof fetch, calls};
}

afterEach(() => {
    vi.unstubAllGlobals();
});

describe('client', () => {
    it('sends the CSRF token, X-Requested-With and cookies', async () => {
        document.cookie = 'MMUSERID=u1';
        document.cookie = 'MMCSRF=csrf-token-123';
        const {fn, calls} = fakeFetch(200, {id: 'c1', state: 'active'});
        const client = new Client({fetch: fn});
        await client.attend('c1');
        expect(calls).toHaveLength(1);
        expect(calls[0].url).toBe(`${API_PATH}/conversations/c1/attend`);
        expect(calls[0].init.method).toBe('POST');
        expect(calls[0].init.credentials).toBe('include');
        const headers = calls[0].init.headers as Record<string, string>;
        expect(headers['X-Requested-With']).toBe('XMLHttpRequest');
        expect(headers['X-CSRF-Token']).toBe('csrf-token-123');
    });

    it('builds every endpoint under the API path, honouring window.basename', async () => {
        window.basename = '/mattermost/';
        const {fn, calls} = fakeFetch(200, []);
        const client = new Client({fetch: fn});
        await client.getConversations('waiting');
        await client.getTickets('draft');
        await client.getTicket('t 1');
        await client.updateTicket('t1', {subject: 'x', customer_id: 'p1'});
        await client.saveTicket('t1');
        await client.searchPeople('maria silva');
        await client.createPerson({name: 'Ana'});
        await client.invite('c1', 'u2');
        await client.close('c1');
        await client.getCredits();
        const base = '/mattermost/plugins/whatsapp-helpdesk/api/v1';
        expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
            `GET ${base}/conversations?state=waiting&page=0&per_page=100`,
            `GET ${base}/tickets?status=draft&per_page=100`,
            `GET ${base}/tickets/t%201`,
            `PATCH ${base}/tickets/t1`,
            `POST ${base}/tickets/t1/save`,
            `GET ${base}/people?q=maria%20silva&page=0&per_page=20`,
            `POST ${base}/people`,
            `POST ${base}/conversations/c1/invite`,
            `POST ${base}/conversations/c1/close`,
            `GET ${base}/credits`,
        ]);
        expect(JSON.parse(calls[3].init.body as string)).toEqual({subject: 'x', customer_id: 'p1'});
        expect(JSON.parse(calls[7].init.body as string)).toEqual({user_id: 'u2'});
        expect((calls[3].init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    });

    it('uses the site URL sub-path, or an explicit base URL', async () => {
        const a = fakeFetch(200, {granted: 1, used: 0, balance: 1, low_threshold: 0});
        await new Client({fetch: a.fn, siteSubpath: () => '/chat'}).getCredits();
        expect(a.calls[0].url).toBe('/chat/plugins/whatsapp-helpdesk/api/v1/credits');
        const b = fakeFetch(200, {});
        await new Client({fetch: b.fn, baseUrl: 'http://127.0.0.1:9999/plugins/whatsapp-helpdesk/api/v1/'}).getCredits();
        expect(b.calls[0].url).toBe('http://127.0.0.1:9999/plugins/whatsapp-helpdesk/api/v1/credits');
    });

    it('throws the server error message', async () => {
        const {fn} = fakeFetch(403, {error: 'only agents may use the helpdesk'});
        const err = await new Client({fetch: fn}).getConversations('waiting').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ApiError);
        expect((err as ApiError).message).toBe('only agents may use the helpdesk');
        expect((err as ApiError).status).toBe(403);
    });

    it('throws something readable for non-JSON errors and network failures', async () => {
        const {fn} = fakeFetch(502, 'Bad Gateway', true);
        await expect(new Client({fetch: fn}).getCredits()).rejects.toThrow('Bad Gateway');
        const down = vi.fn(async () => {
            throw new TypeError('Failed to fetch');
        }) as unknown as typeof fetch;
        await expect(new Client({fetch: down}).getCredits()).rejects.toThrow('Failed to fetch');
    });

    it('reads paged lists, and bare lists as one full page', async () => {
        const page = fakeFetch(200, {items: [{id: 'c1'}], total: 340});
        expect(await new Client({fetch: page.fn}).getConversations('active', 2, 50)).toEqual({items: [{id: 'c1'}], total: 340});
        expect(page.calls[0].url).toContain('conversations?state=active&page=2&per_page=50');
        const bare = fakeFetch(200, [{id: 'p1', name: 'Ana'}]);
        expect(await new Client({fetch: bare.fn}).searchPeople('a')).toEqual({items: [{id: 'p1', name: 'Ana'}], total: 1});
        const odd = fakeFetch(200, {conversations: [{id: 'c1'}]});
        expect(await new Client({fetch: odd.fn}).getConversations('active')).toEqual({items: [], total: 0});
        const nothing = fakeFetch(200, null);
        expect(await new Client({fetch: nothing.fn}).getTickets('draft')).toEqual([]);
    });

    it('uses the global fetch by default', async () => {
        const {fn, calls} = fakeFetch(200, []);
        vi.stubGlobal('fetch', fn);
        await new Client().getTickets('saved');
        expect(calls[0].url).toBe(`${API_PATH}/tickets?status=saved&per_page=100`);
    });

    it('reads cookies', () => {
        expect(readCookie('MMCSRF', 'a=1; MMCSRF=abc%3D; b=2')).toBe('abc=');
        expect(readCookie('MMCSRF', 'a=1')).toBe('');
    });
});
