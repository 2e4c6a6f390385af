// End-to-end test of tags and the Tickets tab in headless Debian Chromium against the real plugin
// binary. The Go test TestTicketsSearchAndTagsInChromium (server/bintest/e2e_customers_test.go)
// starts the plugin and the host page, then runs: node customers.e2e.mjs <base URL> <screenshot>.
import {check, openPanel, poster, scenario} from './scenario.mjs';

const [base, screenshot] = process.argv.slice(2);
const post = poster(base);

await scenario(async (browser, step) => {
    const page = await openPanel(browser, base);

    let conversation;
    await step('a customer writes and the agent attends', async () => {
        const delivered = await post('/e2e/deliver', {from: '551187654321', name: 'Maria Souza', text: 'Meu pedido chegou quebrado'});
        conversation = delivered.conversation_id;
        await post('/e2e/deliver', {from: '5521998765432', name: 'Joana Prado', text: 'Quero a segunda via do boleto'});
        await page.getByTestId('wa-tab-waiting').click();
        await page.getByTestId('wa-attend-' + conversation).click();
        await page.getByTestId('wa-tab-active').click();
        await page.getByTestId('wa-row-' + conversation).waitFor({timeout: 10000});
    });

    await step('the agent tags the conversation in the panel', async () => {
        await page.getByTestId('wa-tag-input-' + conversation).fill('Entrega');
        await page.getByTestId('wa-tag-add-' + conversation).click();
        await page.getByTestId(`wa-tag-${conversation}-entrega`).waitFor({timeout: 10000});
    });

    await step('closing carries the tag to the ticket', async () => {
        await page.getByTestId('wa-close-' + conversation).click();
        await page.getByTestId('wa-close-confirm-' + conversation).click();
        await page.getByTestId('wa-row-' + conversation).waitFor({state: 'detached', timeout: 10000});
    });

    let ticket;
    await step('the Tickets tab finds the ticket by a word of its transcript', async () => {
        await page.getByTestId('wa-tab-tickets').click();
        await page.getByTestId('wa-tickets-q').fill('quebrado');
        await page.getByTestId('wa-tickets-search').click();
        await page.waitForFunction(() => document.querySelector('[data-testid="wa-tickets-total"]')?.textContent === '1–1 of 1', null, {timeout: 10000});
        const row = page.locator('[data-testid^="wa-found-"]');
        check(await row.count() === 1, 'one ticket found');
        ticket = (await row.getAttribute('data-testid')).replace('wa-found-', '');
        const text = await row.innerText();
        check(text.includes('Maria Souza'), 'the row names the customer: ' + text);
        check(await page.getByTestId(`wa-tag-${ticket}-entrega`).count() === 1, 'the ticket carries the conversation tag');
    });

    await step('a second tag on the ticket, then the tag filter finds it', async () => {
        await page.getByTestId('wa-tag-input-' + ticket).fill('troca');
        await page.getByTestId('wa-tag-add-' + ticket).click();
        await page.getByTestId(`wa-tag-${ticket}-troca`).waitFor({timeout: 10000});
        await page.getByTestId('wa-tickets-q').fill('');
        await page.getByTestId('wa-tickets-tag').fill('troca');
        await page.getByTestId('wa-tickets-search').click();
        await page.waitForFunction(() => document.querySelector('[data-testid="wa-tickets-total"]')?.textContent === '1–1 of 1', null, {timeout: 10000});
        await page.getByTestId('wa-found-' + ticket).waitFor({timeout: 10000});
        await page.screenshot({path: screenshot});
    });

    await step('Export CSV downloads the same selection', async () => {
        const href = await page.getByTestId('wa-tickets-export').getAttribute('href');
        check(href.includes('tag=troca'), 'the link carries the filters: ' + href);
        const res = await fetch(new URL(href, base));
        check(res.headers.get('content-type') === 'text/csv; charset=utf-8', 'content type ' + res.headers.get('content-type'));
        const bytes = new Uint8Array(await res.arrayBuffer());
        check(bytes[0] === 0xEF && bytes[1] === 0xBB && bytes[2] === 0xBF, 'UTF-8 BOM');
        const lines = new TextDecoder().decode(bytes.slice(3)).trim().split('\n');
        check(lines[0].startsWith('id,status,subject,customer,phone,agent,tags,'), 'header ' + lines[0]);
        check(lines.length === 2 && lines[1].startsWith(ticket + ',draft,') && lines[1].includes('entrega troca'), 'one row: ' + lines.join(' | '));
    });
});
