// End-to-end test of proactive conversations and the customer's history in headless Debian
// Chromium against the real plugin binary. The Go test (server/bintest/e2e_start_test.go) starts
// the plugin with an earlier, closed conversation of the customer, a fake Graph API with an
// approved template, and the loopback host page, then runs:
//   node start.e2e.mjs <base URL> <screenshot dir>
import {check, openPanel, scenario} from './scenario.mjs';

const [base, shots, phone, earlier] = process.argv.slice(2);

await scenario(async (browser, step) => {
    const page = await openPanel(browser, base);

    const form = page.getByTestId('wa-start-form');
    await step('New conversation opens a form with one field per placeholder and a preview', async () => {
        await page.getByTestId('wa-start-open').click();
        await form.waitFor();
        await page.waitForFunction(() => document.querySelectorAll('[data-testid="wa-start-template"] option').length > 1, null, {timeout: 10000});
        await form.getByTestId('wa-start-phone').fill(phone);
        await form.getByTestId('wa-start-template').selectOption('pedido_enviado|pt_BR');
        await form.getByTestId('wa-start-param-0').fill('Maria');
        await form.getByTestId('wa-start-param-1').fill('4821');
        check(await form.getByTestId('wa-start-param-2').count() === 0, 'two placeholders, two fields');
        const preview = await form.getByTestId('wa-start-preview').innerText();
        check(preview.includes('Olá Maria, o pedido 4821 saiu para entrega.'), 'preview: ' + preview);
        check(preview.includes('1 credit'), 'preview names the cost: ' + preview);
        await page.screenshot({path: shots + '/new-conversation.png'});
    });

    let conversation;
    await step('sending it opens the conversation, attended by the agent', async () => {
        await form.getByTestId('wa-start-send').click();
        await form.waitFor({state: 'detached', timeout: 10000});
        check(await page.getByTestId('wa-tab-active').getAttribute('aria-selected') === 'true', 'In attendance is shown');
        const row = page.locator('[data-testid^="wa-row-"]').first();
        await row.waitFor({timeout: 10000});
        conversation = (await row.getAttribute('data-testid')).replace('wa-row-', '');
        const text = await row.innerText();
        check(text.includes('Maria Souza'), 'the row names the customer: ' + text);
        const res = await fetch(`${base}/plugins/whatsapp-helpdesk/api/v1/conversations?state=active`);
        const active = await res.json();
        check(active.items.length === 1 && active.items[0].id === conversation, 'the server lists it active: ' + JSON.stringify(active));
        const navigated = await page.evaluate(() => window.__navigated || []);
        check(navigated.some((p) => p.endsWith('/' + active.items[0].channel_id)), 'its channel was opened: ' + navigated);
    });

    await step('the history of the channel\'s customer lists the earlier conversation and ticket', async () => {
        const history = page.getByTestId('wa-history');
        await history.waitFor({timeout: 10000});
        const row = history.getByTestId('wa-history-' + earlier);
        await row.waitFor({timeout: 10000});
        const text = await row.innerText();
        check(text.includes('Ended'), 'the earlier conversation is ended: ' + text);
        check(text.includes('Ticket: Maria Souza (Draft)'), 'with its ticket: ' + text);
        check(await history.getByTestId('wa-history-' + conversation).count() === 0, 'the current conversation is not "earlier"');
        await page.screenshot({path: shots + '/history.png'});
    });

    await step('one click opens the earlier conversation', async () => {
        await page.getByTestId('wa-history-open-' + earlier).click();
        await page.waitForFunction(() => (window.__navigated || []).length >= 2, null, {timeout: 10000});
        const navigated = await page.evaluate(() => window.__navigated);
        const last = navigated[navigated.length - 1];
        check(last.startsWith('/acme/channels/'), 'a channel path: ' + last);
        check(!last.endsWith(navigated[0].split('/').pop()), 'another channel than the new one: ' + navigated);
    });
});
