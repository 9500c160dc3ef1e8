import { chromium } from 'playwright-core';
import { hostServer, API, HOST } from './harness.mjs';
const page_html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="stylesheet" href="/reserve.css"><script type="module" src="${API}/widget/cadence.js"></script></head><body><cadence-widget id="w1" view="product" product="CAPS-INTENSO"></cadence-widget><p id="below">Below</p></body></html>`;
const server = await hostServer({ '/with': page_html });
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
for (let i = 0; i < 4; i++) {
const p = await b.newPage();
await p.addInitScript(() => { window.__s = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__s.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({ type: 'longtask', buffered: true }); });
await p.goto(`${HOST}/with`);
await p.waitForTimeout(2500);
console.log(JSON.stringify(await p.evaluate(() => ({ lt: window.__s, load: performance.getEntriesByName('cadence:load').map((e) => [Math.round(e.startTime), Math.round(e.duration)]) }))));
await p.close();
}
await b.close(); server.close();
