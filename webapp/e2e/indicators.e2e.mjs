// End-to-end test of the Indicators tab in headless Debian Chromium against the real plugin.
// The Go test (server/bintest/e2e_indicators_test.go) scripts a day of conversations with known
// times, then runs: node indicators.e2e.mjs <base URL> <screenshot path>, with the expected
// numbers in E2E_EXPECT and the plugin's clock in E2E_NOW (ms).
import {check, openPanel, showPanel, scenario} from './scenario.mjs';

const [base, screenshot] = process.argv.slice(2);
const expected = JSON.parse(process.env.E2E_EXPECT);

await scenario(async (browser, step) => {
    // The browser's days are the plugin's days (its clock was moved through the script).
    const page = await openPanel(browser, base, {viewport: {width: 900, height: 900}, prepare: (p) => p.clock.install({time: Number(process.env.E2E_NOW)})});

    await step('the Indicators tab shows the scripted day\'s numbers', async () => {
        await page.getByTestId('wa-tab-indicators').click();
        const value = async (id) => (await page.getByTestId(id).innerText()).trim();
        await page.getByTestId('wa-ind-conversations').waitFor({timeout: 10000});
        check(await value('wa-ind-conversations') === String(expected.conversations), 'conversations: ' + await value('wa-ind-conversations'));
        check(await value('wa-ind-attended') === String(expected.attended), 'attended: ' + await value('wa-ind-attended'));
        check(await value('wa-ind-wait') === expected.wait, 'average wait: ' + await value('wa-ind-wait'));
        check(await value('wa-ind-first') === expected.first, 'average first response: ' + await value('wa-ind-first'));
        check(await value('wa-ind-handle') === expected.handle, 'average handling: ' + await value('wa-ind-handle'));
        check(await value('wa-ind-csat') === '—', 'no satisfaction answers yet');
        const agents = await page.getByTestId('wa-ind-agent-row').allInnerTexts();
        check(agents.length === expected.agents.length, 'one row per agent: ' + agents.join(' / '));
        expected.agents.forEach((name, i) => check(agents[i].startsWith(name), `row ${i} is ${name}: ${agents[i]}`));
    });

    await step('the chart has a bar per hour, as tall as its conversations', async () => {
        const bars = await page.getByTestId('wa-hour-bar').evaluateAll((els) => els.map((el) => ({
            count: Number(el.getAttribute('data-count')),
            height: el.getBoundingClientRect().height,
        })));
        check(bars.length === 24, '24 bars, got ' + bars.length);
        bars.forEach((b, h) => check(b.count === expected.hours[h], `hour ${h}: ${b.count} conversations, expected ${expected.hours[h]}`));
        const peak = Math.max(...expected.hours);
        const tallest = Math.max(...bars.map((b) => b.height));
        bars.forEach((b, h) => {
            if (expected.hours[h] === 0) {
                check(b.height === 0, `hour ${h} has no bar`);
            } else {
                check(b.height > 0, `hour ${h} has a visible bar`);
                check(Math.abs((b.height / tallest) - (expected.hours[h] / peak)) < 0.1, `hour ${h} bar is scaled to the busiest hour`);
            }
        });
    });

    await step('Export CSV downloads the per-agent table with a BOM', async () => {
        const href = await page.getByTestId('wa-ind-csv').getAttribute('href');
        const csv = await page.evaluate(async (url) => {
            const res = await fetch(url, {credentials: 'include'});
            const bytes = new Uint8Array(await res.arrayBuffer());
            return {status: res.status, type: res.headers.get('content-type'), bom: [bytes[0], bytes[1], bytes[2]], text: new TextDecoder().decode(bytes)};
        }, href);
        check(csv.status === 200, 'CSV status ' + csv.status);
        check(csv.type.startsWith('text/csv'), 'CSV type ' + csv.type);
        check(csv.bom.join(',') === '239,187,191', 'UTF-8 BOM: ' + csv.bom);
        check(csv.text.includes('avg_first_response_seconds') && csv.text.includes(',alice,2,60,540,'), 'alice\'s line: ' + csv.text);
        await page.screenshot({path: screenshot});
    });

    await step('the switch pauses the agent, and the agents list says so', async () => {
        const sw = page.getByTestId('wa-pause-switch');
        check(await sw.isChecked(), 'receiving at first');
        await sw.click();
        await page.waitForFunction(() => !document.querySelector('[data-testid="wa-pause-switch"]').checked, null, {timeout: 10000});
        await page.getByText('Paused: no automatic distribution').waitFor({timeout: 10000});
        await page.waitForFunction(() => document.querySelector('[data-testid="wa-ind-status-row"][data-state="paused"]'), null, {timeout: 10000});
    });

    await step('in Brazilian Portuguese', async () => {
        await showPanel(page, base, 'pt-BR');
        await page.getByTestId('wa-tab-indicators').click();
        await page.getByText('Tempo médio de espera').waitFor({timeout: 10000});
        check((await page.getByTestId('wa-ind-csv').innerText()).includes('Exportar CSV'), 'Exportar CSV');
        check((await page.getByTestId('wa-tab-indicators').innerText()).includes('Indicadores'), 'tab label');
    });
});
