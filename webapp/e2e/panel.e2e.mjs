// End-to-end test of the panel in headless Debian Chromium against the real plugin binary.
// The Go test (server/bintest/e2e_test.go) starts the plugin, a fake Graph API and a loopback
// server for this host page, then runs: node panel.e2e.mjs <base URL> <screenshot path>.
import {check, openPanel, poster, scenario} from './scenario.mjs';

const [base, screenshot] = process.argv.slice(2);
const post = poster(base);

await scenario(async (browser, step) => {
    const page = await openPanel(browser, base);

    let conversation;
    await step('a signed webhook message appears in Waiting without reload', async () => {
        const delivered = await post('/e2e/deliver', {from: '551187654321', name: 'Maria Souza', text: 'Oi, meu pedido 4821 não chegou'});
        conversation = delivered.conversation_id;
        await page.getByTestId('wa-tab-waiting').click();
        const row = page.getByTestId('wa-row-' + conversation);
        await row.waitFor({timeout: 10000});
        const text = await row.innerText();
        check(text.includes('Maria Souza'), 'row names the customer: ' + text);
        check(text.includes('+55 11 98765-4321'), 'row shows the formatted phone: ' + text);
        check(text.includes('WhatsApp'), 'row shows the origin: ' + text);
    });

    await step('Attend moves it to In attendance', async () => {
        await page.getByTestId('wa-attend-' + conversation).click();
        await page.getByTestId('wa-row-' + conversation).waitFor({state: 'detached', timeout: 10000});
        await page.getByTestId('wa-tab-active').click();
        await page.getByTestId('wa-row-' + conversation).waitFor({timeout: 10000});
        await page.screenshot({path: screenshot.replace(/\.png$/, '-attendance.png')});
    });

    let ticket;
    await step('ending the chat creates a draft ticket', async () => {
        await page.getByTestId('wa-close-' + conversation).click();
        await page.getByTestId('wa-close-confirm-' + conversation).click();
        await page.getByTestId('wa-row-' + conversation).waitFor({state: 'detached', timeout: 10000});
        await page.getByTestId('wa-tab-drafts').click();
        await page.waitForFunction(() => document.querySelector('[data-testid^="wa-ticket-subject-"]'), null, {timeout: 10000});
        const subject = page.locator('[data-testid^="wa-ticket-subject-"]').first();
        ticket = (await subject.getAttribute('data-testid')).replace('wa-ticket-subject-', '');
        check(await page.getByTestId('wa-ticket-' + ticket).count() === 1, 'the draft is listed');
        check((await subject.inputValue()) === 'Maria Souza', 'subject defaults to the WhatsApp profile name');
    });

    await step('a new person as Customer, a new Subject, Save', async () => {
        const card = page.getByTestId('wa-ticket-' + ticket);
        await card.getByTestId('wa-create-person-' + ticket).click();
        await card.getByTestId('wa-new-person-name').fill('Maria Souza Lima');
        await card.getByTestId('wa-new-person-phone').fill('+55 21 3333-4444');
        await card.getByTestId('wa-new-person-email').fill('maria@example.com');
        await page.getByTestId('wa-ticket-subject-' + ticket).fill('Pedido 4821 não entregue');
        await page.getByTestId('wa-ticket-conversation-status-' + ticket).fill('resolvido');
        await page.screenshot({path: screenshot});
        await page.getByTestId('wa-ticket-save-' + ticket).click();
        await page.getByTestId('wa-ticket-' + ticket).waitFor({state: 'detached', timeout: 10000});
    });

    await step('the API shows the ticket saved', async () => {
        const res = await fetch(`${base}/plugins/whatsapp-helpdesk/api/v1/tickets/${ticket}`);
        const saved = await res.json();
        check(saved.status === 'saved', 'status ' + saved.status);
        check(saved.subject === 'Pedido 4821 não entregue', 'subject ' + saved.subject);
        check(saved.customer.name === 'Maria Souza Lima', 'customer ' + saved.customer.name);
        check(saved.conversation_status === 'resolvido', 'conversation status ' + saved.conversation_status);
    });

    await step('a pt-BR user sees Portuguese labels', async () => {
        const pt = await openPanel(browser, base, {locale: 'pt-BR'});
        const tabs = await pt.getByTestId('wa-tab-waiting').innerText() + ' ' + await pt.getByTestId('wa-tab-active').innerText();
        check(tabs.includes('Aguardando') && tabs.includes('Em atendimento'), 'tabs: ' + tabs);
        await post('/e2e/deliver', {from: '5521998765432', name: 'João Lima', text: 'Olá'});
        await pt.getByTestId('wa-tab-waiting').click();
        await pt.locator('[data-testid^="wa-attend-"]').first().waitFor({timeout: 10000});
        const attend = await pt.locator('[data-testid^="wa-attend-"]').first().innerText();
        check(attend.includes('Atender'), 'attend button: ' + attend);
        const panel = await pt.getByTestId('wa-panel').innerText();
        check(panel.includes('Origem'), 'Origin column in Portuguese');
    });
});
