/**
 * The workload of the `executor` benchmark: one 20-action task on the demo
 * site's playground, written twice — as a declarative task spec for the
 * executor, and as the hand-written puppeteer-core script doing the same
 * actions directly (same waits, same element lookups).
 */
import type { JsonValue } from '@bufbuild/protobuf';
import type { Page } from 'puppeteer-core';

/** The task spec (proto3 JSON) of the 20 actions against `site`. */
export function taskActions(site: string): JsonValue[] {
  return [
    { navigate: { url: `${site}/playground`, waitUntil: 'WAIT_UNTIL_LOAD' } },
    { waitFor: { selector: '#counter' } },
    { click: { selector: '#counter' } },
    { click: { selector: '#counter' } },
    { extract: { selector: '#counter', attribute: 'data-count', output: 'count' } },
    { hover: { selector: '#hover-target' } },
    { assert: { textContains: { selector: '#hover-state', text: 'hovered' } } },
    { type: { selector: '#text-input', text: 'hello world' } },
    { press: { key: 'Enter' } },
    { assert: { textContains: { selector: '#key-state', text: 'enter pressed' } } },
    { select: { selector: '#colors', values: ['red', 'blue'] } },
    { extract: { selector: '#colors option', all: true, output: 'options' } },
    { scroll: { toBottom: true } },
    { scroll: { selector: '#counter' } },
    { click: { selector: '#dbl', clickCount: 2 } },
    { extract: { selector: '#dbl', output: 'dbl' } },
    { screenshot: { artifactName: 'viewport.png' } },
    { assert: { titleContains: 'Playground' } },
    { navigate: { url: `${site}/news` } },
    { extract: { selector: '.title', all: true, output: 'titles' } },
  ];
}

async function clickOn(page: Page, selector: string, count = 1): Promise<void> {
  const el = await page.waitForSelector(selector, { visible: true });
  await el?.click({ count });
  await el?.dispose();
}

async function textContains(page: Page, selector: string, text: string): Promise<void> {
  const got = await page.$eval(selector, (e) => e.textContent ?? '');
  if (!got.includes(text)) throw new Error(`expected ${text} in ${selector}, got ${got}`);
}

/** The same 20 actions, hand-written with puppeteer-core. Returns the outputs to check both sides did the work. */
export async function handWritten(page: Page, site: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  await page.goto(`${site}/playground`, { waitUntil: 'load' });
  await (await page.waitForSelector('#counter', { visible: true }))?.dispose();
  await clickOn(page, '#counter');
  await clickOn(page, '#counter');
  out['count'] = await page.$eval('#counter', (e) => e.getAttribute('data-count'));
  const hover = await page.waitForSelector('#hover-target', { visible: true });
  await hover?.hover();
  await hover?.dispose();
  await textContains(page, '#hover-state', 'hovered');
  const input = await page.waitForSelector('#text-input', { visible: true });
  await input?.focus();
  await input?.dispose();
  await page.keyboard.type('hello world');
  await page.keyboard.press('Enter');
  await textContains(page, '#key-state', 'enter pressed');
  const colors = await page.waitForSelector('#colors', { visible: true });
  await colors?.select('red', 'blue');
  await colors?.dispose();
  out['options'] = await page.$$eval('#colors option', (els) => els.map((e) => (e.textContent ?? '').trim()));
  await page.evaluate('document.scrollingElement.scrollTop = document.scrollingElement.scrollHeight');
  const counter = await page.waitForSelector('#counter', { visible: true });
  await counter?.scrollIntoView();
  await counter?.dispose();
  await clickOn(page, '#dbl', 2);
  out['dbl'] = await page.$eval('#dbl', (e) => (e.textContent ?? '').trim());
  await page.screenshot({ type: 'png' });
  if (!(await page.title()).includes('Playground')) throw new Error('title');
  await page.goto(`${site}/news`, { waitUntil: 'load' });
  out['titles'] = await page.$$eval('.title', (els) => els.map((e) => (e.textContent ?? '').trim()));
  return out;
}
