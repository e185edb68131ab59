// The console in a real browser (Debian's Chromium) on the real service and PostgreSQL. Run by the xUnit test
// ConsoleBrowserTests, which starts the service and passes CONSOLE_BASE_URL; or by hand against a service in
// Development: CONSOLE_BASE_URL=http://127.0.0.1:5080 npm run test:browser (it adds data to that store).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  amountOf, api, baseUrl, daysAgo, desktop, launch, phone, screenshot, seriousViolations, signedIn, tokenFor,
  vietnameseLetters, visibleTexts,
} from './browser.mjs';

const bn = 1_000_000_000;
let browser;
let cf;
let pc;
let an;
let communes;
const earlier = daysAgo(60);

before(async () => {
  browser = await launch();
  cf = api(await tokenFor('central-finance'));
  pc = api(await tokenFor('people-committee', '01'));
  an = api(await tokenFor('analyst'));
  // A small history: central capital down to Hà Nội and two of its communes, and local budget that Hà Nội's
  // People's Committee entrusted on two dates (so that "as of" an earlier date shows less).
  await cf.post('/api/capital/central-entrustments', { amountVnd: 1000 * bn, decisionRef: 'QD-1', effectiveOn: daysAgo(90) });
  await cf.post('/api/allocations', { from: 'VN', to: '01', source: 'central-budget', programme: 'general', toProgramme: 'poor-households', amountVnd: 300 * bn, effectiveOn: daysAgo(90) });
  communes = (await an.get('/api/localities?parent=01')).slice(0, 2);
  await cf.post('/api/allocations', { from: '01', to: communes[0].code, source: 'central-budget', programme: 'poor-households', amountVnd: 50 * bn, effectiveOn: daysAgo(80) });
  await cf.post('/api/allocations', { from: '01', to: communes[1].code, source: 'central-budget', programme: 'poor-households', amountVnd: 12 * bn, effectiveOn: daysAgo(80) });
  await pc.post('/api/capital/local-budget-top-ups', { locality: '01', amountVnd: 20 * bn, programme: 'job-creation', decisionRef: 'NQ-01', effectiveOn: daysAgo(70) });
  await pc.post('/api/capital/local-budget-top-ups', { locality: '01', amountVnd: 15 * bn, programme: 'poor-households', decisionRef: 'NQ-02' });
});

after(async () => {
  await browser?.close();
});

async function statementFigures(page) {
  const figures = {};
  for (const key of ['entrusted', 'lent', 'repaid', 'outstanding', 'available']) {
    figures[`${key}Vnd`] = await amountOf(page.getByTestId(key).locator('.figure-value'));
  }
  return figures;
}

const apiFigures = (s) => ({ entrustedVnd: s.entrustedVnd, lentVnd: s.lentVnd, repaidVnd: s.repaidVnd, outstandingVnd: s.outstandingVnd, availableVnd: s.availableVnd });

describe("People's Committee", () => {
  test('the committee of 01 signs in and sees the totals of GET /api/localities/01/entrusted-funds', async () => {
    const page = await signedIn(browser, 'people-committee', '01');
    await page.waitForURL(`${baseUrl}/committee/01`);
    await page.getByTestId('statement').waitFor();
    const caller = await page.getByTestId('caller').innerText();
    assert.match(caller, /Ủy ban nhân dân/);
    assert.match(caller, /Thành phố Hà Nội \(01\)/);
    const expected = apiFigures(await pc.get('/api/localities/01/entrusted-funds'));
    assert.equal(expected.entrustedVnd, 35 * bn);
    assert.deepEqual(await statementFigures(page), expected);
    assert.match(await page.getByTestId('entrusted').innerText(), /35\.000\.000\.000 ₫/);
    // A People's Committee is offered its statement and top-ups, nothing else.
    const nav = await page.getByRole('navigation').innerText();
    assert.doesNotMatch(nav, /Toàn quốc|Phân tích/);
    await page.context().close();
  });

  test('changing the as-of date changes the figures to the API\'s for that date', async () => {
    const page = await signedIn(browser, 'people-committee', '01');
    await page.getByTestId('statement').waitFor();
    const before = await statementFigures(page);
    await page.getByLabel('Tính đến ngày').fill(earlier);
    const expected = apiFigures(await pc.get(`/api/localities/01/entrusted-funds?asOf=${earlier}`));
    assert.notDeepEqual(expected, before, 'the API gives other figures for the earlier date');
    await page.waitForFunction((v) => document.querySelector('[data-testid="entrusted"] .figure-value')?.getAttribute('data-amount') === String(v), expected.entrustedVnd);
    assert.deepEqual(await statementFigures(page), expected);
    await page.context().close();
  });

  test("the province's commune table sums to its subtree minus its own capital, and finds names without diacritics", async () => {
    const page = await signedIn(browser, 'people-committee', '01');
    const table = page.getByTestId('communes');
    await table.waitFor({ timeout: 60_000 });
    const capital = await pc.get('/api/localities/01/capital');
    const sum = (b) => b.availableVnd + b.loansOutstandingVnd;
    const total = page.getByTestId('communes-total').locator('td.num').first();
    assert.equal(await amountOf(total), sum(capital.subtree) - sum(capital.own));
    assert.equal(await amountOf(total), 62 * bn);
    // Sorted by capital, largest first: the commune given 50 bn leads.
    assert.equal(await table.locator('tbody tr').first().getAttribute('data-code'), communes[0].code);
    // Sorted by what is available, smallest first (a second click turns the order round).
    await page.getByRole('button', { name: /^Còn khả dụng/ }).click();
    await page.getByRole('button', { name: /^Còn khả dụng/ }).click();
    assert.equal(await table.locator('tbody tr').last().getAttribute('data-code'), communes[0].code);
    assert.equal(await table.locator('thead th[aria-sort="ascending"]').innerText(), 'Còn khả dụng ▲');
    const plain = communes[1].name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase().replace(/^(xa|phuong) /, '');
    await page.getByLabel('Tìm kiếm').fill(plain);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="communes"] tbody tr').length >= 1);
    const codes = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-code')));
    assert.ok(codes.includes(communes[1].code), `"${plain}" finds ${communes[1].name}: ${codes}`);
    await page.context().close();
  });

  test("another province's page shows a clear refusal", async () => {
    const page = await signedIn(browser, 'people-committee', '01');
    await page.getByTestId('statement').waitFor();
    await page.goto(`${baseUrl}/committee/79`);
    await page.getByRole('heading', { name: 'Không được phép xem trang này' }).waitFor();
    assert.match(await page.locator('main').innerText(), /nằm ngoài phạm vi của bạn/);
    assert.equal(await page.getByTestId('statement').count(), 0);
    await screenshot(page, 'committee-refused-1366');
    await page.context().close();
  });
});

describe('Central finance', () => {
  test('allocates 40 tỷ đồng from VN to 79 through the form; a double click sends one command', async () => {
    const page = await signedIn(browser, 'central-finance');
    await page.goto(`${baseUrl}/movements`);
    const form = page.locator('form[data-kind="allocate"]');
    await form.waitFor();
    const before = await cf.get('/api/localities/79/capital');
    await form.getByLabel('Đến địa phương').fill('ho chi minh');
    await form.locator('button[data-code="79"]').click();
    assert.match(await page.getByTestId('allocate-to-chosen').innerText(), /Thành phố Hồ Chí Minh \(79\)/);
    await form.getByLabel('Số tiền').fill('40 tỷ');
    const echo = await page.getByTestId('allocate-amount-echo').innerText();
    assert.match(echo, /40\.000\.000\.000 ₫/);
    assert.match(echo, /Bốn mươi tỷ đồng/);
    await form.getByLabel('Số quyết định').fill('QD-79-40');
    await form.getByRole('button', { name: 'Xem lại' }).click();
    const confirm = form.locator('.confirm');
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /Trước[\s\S]*Sau/);
    assert.match(await confirm.innerText(), /79 · Ngân sách trung ương/);
    const posts = [];
    page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/allocations') && posts.push(r));
    await page.getByTestId('allocate-send').dblclick();
    const accepted = page.getByTestId('accepted-command-id');
    await accepted.waitFor();
    const commandId = await accepted.innerText();
    await screenshot(page, 'movements-accepted-1366');

    const log = (await an.text('/api/events?format=ndjson')).trim().split('\n').map((l) => JSON.parse(l));
    const allocations = log.filter((e) => e.type === 'CapitalAllocated' && e.data.to === '79' && e.data.amountVnd === 40 * bn);
    assert.equal(allocations.length, 1, 'exactly one allocation of 40 bn to 79 is in the log');
    assert.equal(allocations[0].commandId, commandId);
    assert.equal(new Set(log.filter((e) => e.commandId === commandId).map((e) => e.commandId)).size, 1);
    const afterwards = await cf.get('/api/localities/79/capital');
    assert.equal(afterwards.own.availableVnd - before.own.availableVnd, 40 * bn);
    console.log(`double click: ${posts.length} request(s) sent, one command recorded (${commandId})`);
    await page.context().close();
  });

  test('a validation problem appears beside the field it names', async () => {
    const page = await signedIn(browser, 'central-finance');
    await page.goto(`${baseUrl}/movements`);
    await page.locator('button[data-tab="entrust"]').click();
    const form = page.locator('form[data-kind="entrust"]');
    await form.getByLabel('Số tiền').fill('1.000.000');
    await form.getByRole('button', { name: 'Xem lại' }).click();
    await page.getByTestId('entrust-send').click();
    const error = form.locator('[data-field-error="entrust-decisionRef-error"]');
    await error.waitFor();
    assert.match(await error.innerText(), /decisionRef/);
    // Beside the decision number's input: in the same field, and the input points at it.
    const input = form.locator('#entrust-decisionRef');
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    assert.match(await input.getAttribute('aria-describedby'), /entrust-decisionRef-error/);
    assert.equal(await form.locator('.field-error').count(), 1, 'no other field is marked');
    assert.match(await form.locator('[role="alert"]').first().innerText(), /Thông tin chưa hợp lệ/);
    await screenshot(page, 'movements-validation-1366');
    await page.context().close();
  });
});

describe('Analyst', () => {
  test("the comparison of two dates shows 34 rows whose totals equal the summaries", async () => {
    const page = await signedIn(browser, 'analyst');
    await page.goto(`${baseUrl}/analysis`);
    const today = daysAgo(0);
    await page.getByLabel('Ngày thứ nhất').fill(earlier);
    await page.getByLabel('Ngày thứ hai').fill(today);
    await page.getByRole('button', { name: 'So sánh' }).click();
    const table = page.getByTestId('comparison');
    await table.waitFor();
    assert.equal(await table.locator('tbody tr').count(), 34);
    const totals = page.getByTestId('comparison-total').locator('td.num');
    for (const [i, date] of [earlier, today].entries()) {
      const summary = await an.get(`/api/capital/summary?asOf=${date}`);
      assert.equal(await amountOf(totals.nth(i)), summary.totalVnd);
    }
    await page.context().close();
  });

  test('a locality as of a date and its history, paged', async () => {
    const page = await signedIn(browser, 'analyst');
    await page.goto(`${baseUrl}/analysis`);
    await page.locator('#capital-locality').fill('ha noi');
    await page.locator('button[data-code="01"]').first().click();
    await page.getByRole('button', { name: 'Xem' }).first().click();
    await page.getByTestId('capital-result').waitFor();
    const capital = await an.get('/api/localities/01/capital');
    assert.match(await page.getByTestId('capital-result').innerText(), new RegExp(new Intl.NumberFormat('vi-VN').format(capital.subtree.availableVnd).replace(/\./g, '\\.')));
    await page.locator('#history-locality').fill('ha noi');
    await page.locator('#history-locality').locator('..').locator('button[data-code="01"]').click();
    await page.locator('#history-title').locator('..').getByRole('button', { name: 'Xem' }).click();
    await page.getByTestId('history').waitFor();
    const rows = await page.getByTestId('history').locator('tbody tr').count();
    const history = await an.get('/api/localities/01/history?limit=20');
    assert.equal(rows, history.items.length);
    await page.context().close();
  });
});

const pages = [
  { name: 'committee', role: 'people-committee', locality: '01', path: '/committee/01', ready: (p) => p.getByTestId('communes').waitFor({ timeout: 60_000 }) },
  { name: 'national', role: 'central-finance', path: '/national', ready: (p) => p.getByTestId('by-province').waitFor() },
  { name: 'movements', role: 'central-finance', path: '/movements', ready: (p) => p.locator('form[data-kind="allocate"]').waitFor() },
  { name: 'analysis', role: 'analyst', path: '/analysis', ready: (p) => p.locator('#export-title').waitFor() },
];

describe('Every page', () => {
  test('the English switch changes every visible string', async () => {
    for (const spec of pages) {
      const page = await signedIn(browser, spec.role, spec.locality);
      await page.goto(`${baseUrl}${spec.path}`);
      await spec.ready(page);
      const vietnamese = (await visibleTexts(page)).filter((t) => vietnameseLetters.test(t));
      assert.ok(vietnamese.length > 5, `${spec.name} is in Vietnamese first`);
      await page.getByTestId('language').click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      await spec.ready(page);
      const left = (await visibleTexts(page)).filter((t) => vietnameseLetters.test(t) && t !== 'Tiếng Việt');
      assert.deepEqual(left, [], `${spec.name}: strings left in Vietnamese after switching to English`);
      await screenshot(page, `${spec.name}-en-1366`);
      await page.context().close();
    }
  });

  test('axe finds no serious or critical violation, and screenshots at 1366×768 and phone width are kept', async () => {
    const problems = [];
    const signIn = await browser.newPage({ viewport: desktop });
    await signIn.goto(`${baseUrl}/`);
    await signIn.locator('#sign-in-title').waitFor();
    problems.push(...(await seriousViolations(signIn)).map((v) => `sign-in: ${v}`));
    await screenshot(signIn, 'sign-in-1366');
    await signIn.setViewportSize(phone);
    await screenshot(signIn, 'sign-in-390');
    await signIn.close();
    for (const spec of pages) {
      for (const viewport of [desktop, phone]) {
        const page = await signedIn(browser, spec.role, spec.locality, viewport);
        await page.goto(`${baseUrl}${spec.path}`);
        await spec.ready(page);
        await page.waitForTimeout(300); // charts draw on the next frame
        await screenshot(page, `${spec.name}-${viewport.width}`);
        problems.push(...(await seriousViolations(page)).map((v) => `${spec.name} at ${viewport.width}px: ${v}`));
        await page.context().close();
      }
    }
    assert.deepEqual(problems, []);
  });
});
