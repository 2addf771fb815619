// The published grid page (网格公示, issue 14) without signing in: on a private
// demo server the admin stores staff and an L3 grid's team through the API;
// then a browser context that never signed in opens the grid's public page and
// sees its team (names, roles, the phone marked public, never the other) and
// its duties, and the printed notice carries a QR code (an SVG of modules) of
// the page's address.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiSession, closeBrowser, launch, mapIdle, request, screenshot, startGridd } from './browser.mjs';

const PRIVATE = '13912345678';
const PUBLIC = '0512-65123456';

let srv;
let grid;

before(async () => {
  srv = await startGridd();
  const admin = await apiSession(srv.url, 'admin');
  const l3 = (await request(srv.url, 'GET', '/api/v1/grids?level=3')).body.features[0].properties;
  grid = l3.id;
  const staff = async (name, employer, phone, phone_public) => {
    const r = await request(
      srv.url,
      'POST',
      `/api/v1/subdistricts/${l3.subdistrict_id}/staff`,
      { name, employer, phone, phone_public },
      admin.headers,
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };
  const head = await staff('李楼长', 'other', PRIVATE, false);
  const worker = await staff('王街道', 'subdistrict_office', PUBLIC, true);
  const property = await staff('赵物业', 'property_company', null, false);
  const r = await request(
    srv.url,
    'PUT',
    `/api/v1/grids/${grid}/team`,
    {
      members: [
        { staff_id: head, role: 'building_head' },
        { staff_id: worker, role: 'subdistrict_worker' },
        { staff_id: property, role: 'property_worker' },
      ],
    },
    admin.headers,
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

after(async () => {
  await closeBrowser();
  await srv?.stop();
});

describe('the published grid page', () => {
  test('opens without signing in and shows the team and the duties, no private phone', async (t) => {
    const b = await launch({ width: 1280, height: 900 });
    t.after(() => b.close());
    const page = b.page;
    await page.goto(`${srv.url}/#/public/grid/${grid}`);
    await page.locator('#public-team tbody tr').first().waitFor();
    await page.waitForFunction(() => !!window.__gridd?.map);
    await mapIdle(page);
    const me = await page.evaluate(() => fetch('/api/v1/auth/me').then((r) => r.json()));
    assert.equal(me.user ?? null, null, 'nobody is signed in');
    const rows = await page.locator('#public-team tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(rows, [
      ['楼栋长', '李楼长', '—'],
      ['街道工作人员', '王街道', PUBLIC],
      ['物业人员', '赵物业', '—'],
    ]);
    assert.match(await page.locator('#public-status').innerText(), /已公示/);
    assert.match(await page.locator('#public-duties [data-clause="9.3.1"] h3').innerText(), /9\.3\.1 发现问题/);
    assert.ok((await page.locator('#public-duties li').count()) >= 8);
    assert.match(await page.locator('#public-services').innerText(), /民生保障/);
    // No private phone and nothing of households anywhere on the page.
    const html = await page.content();
    assert.ok(!html.includes(PRIVATE), 'the private phone is not on the page');
    assert.doesNotMatch(html, /身份证|户主|住户/);
    const drawn = await page.evaluate(() => window.__gridd.map.querySourceFeatures('focus').length);
    assert.ok(drawn > 0, 'the boundary is drawn');
    await screenshot(page, 'public/grid-team');
    assert.deepEqual(b.errors, []);
  });

  test('fits a phone without sideways scrolling', async (t) => {
    const b = await launch({ width: 390, height: 844 });
    t.after(() => b.close());
    const page = b.page;
    await page.goto(`${srv.url}/#/public/grid/${grid}`);
    await page.locator('#public-team tbody tr').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
    await screenshot(page, 'public/grid-team-390x844');
    assert.deepEqual(b.errors, []);
  });

  test('prints as an A4 notice with a QR code of the page', async (t) => {
    const b = await launch({ width: 1280, height: 900 });
    t.after(() => b.close());
    const page = b.page;
    await page.goto(`${srv.url}/#/public/grid/${grid}`);
    const svg = page.locator('#notice-qr svg');
    await svg.waitFor({ state: 'attached' });
    assert.equal(await svg.getAttribute('data-url'), `${srv.url}/#/public/grid/${grid}`);
    const modules = Number(await svg.getAttribute('data-modules'));
    assert.ok(modules >= 21 && (modules - 17) % 4 === 0, `a QR code's side: ${modules}`);
    const dark = await svg.locator('g rect').count();
    assert.equal(dark, Number(await svg.getAttribute('data-dark')));
    assert.ok(dark > 100, `${dark} dark modules`);
    // On screen the notice is hidden; in print it is the page.
    assert.equal(await page.locator('#public-notice').isVisible(), false);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('#public-notice').isVisible(), true);
    assert.equal(await page.locator('#public-card').isVisible(), false);
    assert.match(await page.locator('#public-notice h1').innerText(), /网格公示牌/);
    assert.match(await page.locator('#public-notice').innerText(), new RegExp(PUBLIC));
    assert.ok(!(await page.locator('#public-notice').innerHTML()).includes(PRIVATE));
    const pdf = await page.pdf({ format: 'A4' });
    assert.ok(pdf.length > 1000, 'the notice prints');
    await screenshot(page, 'public/notice-print');
    assert.deepEqual(b.errors, []);
  });
});
