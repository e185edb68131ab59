// Helpers of the browser tests: Debian's Chromium driven by playwright-core, the service's own API for the
// figures the pages must show, and a place for screenshots.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const baseUrl = (process.env.CONSOLE_BASE_URL ?? 'http://127.0.0.1:5080').replace(/\/$/, '');
export const artefacts = process.env.CONSOLE_ARTEFACTS ?? path.resolve('test-results');
mkdirSync(artefacts, { recursive: true });

export const desktop = { width: 1366, height: 768 };
export const phone = { width: 390, height: 844 };

const require = createRequire(import.meta.url);
export const axePath = require.resolve('axe-core/axe.min.js');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--lang=vi-VN'],
  });
}

/** A development token, as /dev/sign-in hands it to the browser (in the redirect's fragment). */
export async function tokenFor(role, locality) {
  const query = new URLSearchParams({ role });
  if (locality) query.set('locality', locality);
  const response = await fetch(`${baseUrl}/dev/sign-in?${query}`, { redirect: 'manual' });
  if (response.status !== 302) throw new Error(`/dev/sign-in answered ${response.status}`);
  return new URLSearchParams(new URL(response.headers.get('location'), baseUrl).hash.slice(1)).get('access_token');
}

export function api(token) {
  const call = async (method, route, body) => {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route} → ${response.status} ${text}`);
    return text;
  };
  return {
    get: async (route) => JSON.parse(await call('GET', route)),
    text: (route) => call('GET', route), post: async (route, body) => JSON.parse(await call('POST', route, { commandId: crypto.randomUUID(), ...body })),
  };
}

/** A new browser page signed in through /dev/sign-in as the role, at the given size. */
export async function signedIn(browser, role, locality, viewport = desktop, language = 'vi') {
  const context = await browser.newContext({ viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true });
  await context.addInitScript((lang) => localStorage.setItem('capitalflows.language', lang), language);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  const query = new URLSearchParams({ role });
  if (locality) query.set('locality', locality);
  await page.goto(`${baseUrl}/dev/sign-in?${query}`);
  await page.getByTestId('caller').waitFor();
  return page;
}

/** Reads a figure's exact amount (data-amount holds the đồng the API gave). */
export async function amountOf(locator) {
  return Number(await locator.getAttribute('data-amount'));
}

/** Every visible text of the page outside elements marked translate="no" (names and codes from the data). */
export async function visibleTexts(page) {
  return page.evaluate(() => {
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      const element = node.parentElement;
      if (!text || !element || element.closest('[translate="no"], script, style, .visually-hidden')) continue;
      if (!element.checkVisibility()) continue;
      texts.push(text);
    }
    for (const input of document.querySelectorAll('input[placeholder]')) if (input.checkVisibility()) texts.push(input.placeholder);
    for (const option of document.querySelectorAll('select')) if (option.checkVisibility()) texts.push(option.selectedOptions[0]?.textContent ?? '');
    return texts;
  });
}

export const vietnameseLetters = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i;

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage: true });
}

/** A date `days` before today in Vietnam, YYYY-MM-DD. */
export function daysAgo(days) {
  return new Date(Date.now() + 7 * 3600_000 - days * 86_400_000).toISOString().slice(0, 10);
}
