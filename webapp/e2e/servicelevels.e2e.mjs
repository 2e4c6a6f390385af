// End-to-end test of the panel's service levels in headless Chromium against the real plugin
// binary (server/bintest/e2e_service_test.go): node servicelevels.e2e.mjs <base URL> <shots dir>.
import {check, openPanel, poster, scenario} from './scenario.mjs';

const [base, shots] = process.argv.slice(2);
const post = poster(base);

await scenario(async (browser, step) => {
    const page = await openPanel(browser, base, {viewport: {width: 900, height: 640}});

    let conversation;
    await step('outside business hours the panel says so, and a new conversation waits', async () => {
        const banner = page.getByTestId('wa-outside-hours');
        await banner.waitFor({timeout: 10000});
        check((await banner.innerText()).includes('Outside business hours'), 'banner text');
        const delivered = await post('/e2e/deliver', {from: '551187654321', name: 'Maria Souza', text: 'Oi, preciso de ajuda'});
        conversation = delivered.conversation_id;
        await page.getByTestId('wa-tab-waiting').click();
        await page.getByTestId('wa-row-' + conversation).waitFor({timeout: 10000});
        await page.screenshot({path: shots + '/outside-hours.png'});
    });

    let ticket;
    await step('attended by hand and ended, the draft ticket says the survey went out', async () => {
        await page.getByTestId('wa-attend-' + conversation).click();
        await page.getByTestId('wa-tab-active').click();
        await page.getByTestId('wa-close-' + conversation).click();
        await page.getByTestId('wa-close-confirm-' + conversation).click();
        await page.getByTestId('wa-row-' + conversation).waitFor({state: 'detached', timeout: 10000});
        await page.getByTestId('wa-tab-drafts').click();
        await page.waitForFunction(() => document.querySelector('[data-testid^="wa-ticket-csat-"]'), null, {timeout: 10000});
        const line = page.locator('[data-testid^="wa-ticket-csat-"]').first();
        ticket = (await line.getAttribute('data-testid')).replace('wa-ticket-csat-', '');
        check((await line.innerText()).includes('no answer yet'), 'pending survey: ' + await line.innerText());
    });

    await step('the customer\'s answer appears on the ticket without reload', async () => {
        await post('/e2e/press', {from: '551187654321', name: 'Maria Souza', ticket});
        await page.waitForFunction((id) => (document.querySelector(`[data-testid="wa-ticket-csat-${id}"]`)?.textContent || '').includes('Great (3/3)'), ticket, {timeout: 10000});
        await page.getByTestId('wa-ticket-' + ticket).screenshot({path: shots + '/ticket-csat.png'});
    });
});
