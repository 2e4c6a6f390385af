// What every browser scenario shares: Chromium launched the way this closed network needs,
// checks, POSTs to the host page's helper routes, and steps that print ok / FAIL and a tally.
import {chromium} from 'playwright-core';

// Without the networking flags Chromium floods the closed network it runs in.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export function check(cond, msg) {
    if (!cond) {
        throw new Error('check failed: ' + msg);
    }
}

// poster answers a function that POSTs JSON to the host page at base and answers its JSON.
export function poster(base) {
    return async function post(path, body) {
        const res = await fetch(base + path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body || {})});
        const text = await res.text();
        check(res.ok, `${path} answered ${res.status}: ${text}`);
        return text ? JSON.parse(text) : null;
    };
}

// showPanel loads the host page in page as the session's agent, in locale, and waits for the panel.
export async function showPanel(page, base, locale = 'en') {
    const {user} = await (await fetch(base + '/e2e/session')).json();
    await page.goto(`${base}/?user=${user}&locale=${locale}`);
    await page.getByTestId('wa-panel').waitFor();
}

// openPanel opens a page that prints its errors and shows the panel in it. prepare runs on the
// page before it loads (to install a clock, say).
export async function openPanel(browser, base, {locale = 'en', viewport = {width: 1100, height: 820}, prepare} = {}) {
    const page = await browser.newPage({viewport});
    page.on('pageerror', (e) => console.log('page error: ' + e.message));
    if (prepare) {
        await prepare(page);
    }
    await showPanel(page, base, locale);
    return page;
}

// scenario launches Chromium, runs the steps run(browser, step) takes, closes the browser,
// prints the tally and exits non-zero if a step failed (a failed step also stops the run).
export async function scenario(run) {
    const browser = await chromium.launch({executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS});
    let passed = 0;
    let failed = 0;
    async function step(name, fn) {
        try {
            await fn();
            passed++;
            console.log('ok   ' + name);
        } catch (e) {
            failed++;
            console.log('FAIL ' + name + ': ' + e.message);
            throw e;
        }
    }
    try {
        await run(browser, step);
    } finally {
        await browser.close();
        console.log(`${passed} passed, ${failed} failed`);
    }
    process.exit(failed === 0 ? 0 : 1);
}
