// Browser tests of the "覆盖检查 / Coverage check" panel (issue 5, item 3: the
// coverage report as a map layer). The read-only test uses the server given by
// GRIDD_URL; the test that writes starts its own gridd (startGridd), so its
// overlapping grid is seen by no other test. The coverage audit needs a role
// that reads it: the auditors' page is opened as the demo auditor, the
// editor's coverage tab as the demo planner.
//   GRIDD_URL=http://127.0.0.1:8080 node --test web/e2e/coverage.test.mjs
// Screenshots go to artifacts/screenshots/ at the repository root.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { apiSession, closeBrowser, griddUrl, launch, mapIdle, request, screenshot, signIn, startGridd } from './browser.mjs';

after(() => closeBrowser());

const coverageState = (page) => page.evaluate(() => window.__gridd.coverage());

/** Open the coverage tab (opening the side panel first where it starts collapsed) and wait for the audit. */
async function openCoverage(page) {
  if (!(await page.locator('#tab-coverage').isVisible())) await page.locator('#panel-toggle').click();
  await page.locator('#tab-coverage').click();
  await page.waitForFunction(() => ['done', 'error'].includes(window.__gridd.coverage().status));
  const s = await coverageState(page);
  assert.equal(s.status, 'done', `the audit ran: ${s.error}`);
  return s;
}

/** Defects per level as the summary table shows them. */
async function tableDefects(page) {
  return page
    .locator('#coverage-summary tbody tr')
    .evaluateAll((rows) => rows.map((r) => [r.dataset.level, Number(r.querySelector('.cov-defects').textContent)]));
}

/** Shift a (multi)polygon by dx, dy degrees. */
function shifted(geometry, dx, dy) {
  const move = (ring) => ring.map(([x, y]) => [x + dx, y + dy]);
  return geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map(move) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map(move)) };
}

describe('coverage check panel', () => {
  test("the auditors' page opens with the check and offers no editing (read-only, GRIDD_URL)", async (t) => {
    const b = await launch();
    t.after(() => b.close());
    const page = b.page;
    page.setDefaultTimeout(15_000);
    await signIn(page, griddUrl(), 'auditor');
    await page.goto(`${griddUrl()}/#/coverage`);
    await page.waitForFunction(() => window.__gridd?.coverage()?.status === 'done');
    assert.equal(await page.locator('#tab-coverage').getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('#edit-toolbar').count(), 0, 'no editor toolbar on the coverage page');
    assert.equal(await page.evaluate(() => window.__gridd.editor()), null);
    assert.equal(await page.title(), '覆盖审核 · 网格地图 · gridd');
    // A problem's grid goes into the address like on the editor page.
    await page.locator('#coverage-list > li').first().click();
    await page.waitForFunction(() => window.__gridd.selected() !== null);
    const id = await page.evaluate(() => window.__gridd.selected());
    assert.match(new URL(page.url()).hash, new RegExp(`^#/coverage/grid/${id}`));
    await mapIdle(page);
    await screenshot(page, '24-coverage-page');
    assert.deepEqual(b.errors, []);
  });

  test('the clean demo passes at every level (read-only, GRIDD_URL)', async (t) => {
    const url = griddUrl();
    const b = await launch();
    t.after(() => b.close());
    const page = b.page;
    page.setDefaultTimeout(15_000);
    await signIn(page, url, 'auditor');
    await page.goto(`${url}/`);
    await mapIdle(page);
    assert.equal(await page.locator('#tab-coverage').innerText(), '覆盖检查');
    const s = await openCoverage(page);
    assert.equal(s.defects, 0);
    assert.equal(s.tolerance, 0.5, 'default tolerance 0.5 m');
    assert.deepEqual(
      s.levels.map((l) => [l.level, l.defects]),
      [
        [1, 0],
        [2, 0],
        [3, 0],
      ],
    );
    for (const l of s.levels) assert.ok(Math.abs(l.coverage_ratio - 1) < 1e-6, `L${l.level} covers the subdistrict`);
    assert.deepEqual(await tableDefects(page), [
      ['1', 0],
      ['2', 0],
      ['3', 0],
    ]);
    assert.match(await page.locator('#coverage-verdict').innerText(), /通过/);
    assert.equal(await page.locator('#coverage-tolerance').inputValue(), '0.5');
    // Every problem the server reports is listed (the demo has warnings only).
    const auditor = await apiSession(url, 'auditor');
    const api = (await request(url, 'GET', '/api/v1/coverage?format=geojson', undefined, auditor.headers)).body;
    assert.equal(await page.locator('#coverage-list > li').count(), api.features.length);
    assert.equal(await page.locator('#coverage-list > li[data-severity="defect"]').count(), 0);
    // The printable report: a link to format=html that opens in a new window.
    const link = page.locator('#coverage-report');
    assert.equal(await link.getAttribute('target'), '_blank');
    const href = await link.getAttribute('href');
    assert.match(href, /coverage\?.*format=html/);
    assert.match(href, /tolerance=0\.5/);
    const html = await fetch(new URL(href, `${url}/`), { headers: auditor.headers });
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type'), /text\/html/);
    const [popup] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await popup.waitForLoadState();
    assert.match(await popup.title(), /覆盖检查报告/, "the report opens in the app's language (Chinese by default)");
    await popup.close();
    // The warnings are drawn over the grids, with a legend.
    await mapIdle(page);
    await page.waitForFunction(() => window.__gridd.map.querySourceFeatures('coverage-problems').length > 0);
    assert.match(await page.locator('#legend').innerText(), /覆盖问题/);
    await mapIdle(page);
    await screenshot(page, '20-coverage-clean');
    // A tolerance that is no number is refused by the server; the reason is shown.
    await page.locator('#coverage-tolerance').fill('-1');
    await page.locator('#coverage-tolerance').press('Enter');
    await page.waitForFunction(() => window.__gridd.coverage().status !== 'running');
    assert.equal((await coverageState(page)).status, 'error');
    assert.match(await page.locator('#coverage-status').innerText(), /覆盖检查失败|tolerance/);
    await page.locator('#coverage-tolerance').fill('1');
    await page.locator('#coverage-run').click();
    await page.waitForFunction(() => window.__gridd.coverage().status === 'done');
    assert.equal((await coverageState(page)).tolerance, 1);
    // English.
    await page.locator('#lang-switch').click();
    assert.equal(await page.locator('#tab-coverage').innerText(), 'Coverage check');
    assert.match(await page.locator('#coverage-verdict').innerText(), /PASS/);
    assert.match(await page.locator('#coverage-summary thead').innerText(), /Coverage/);
    await screenshot(page, '21-coverage-english');
    assert.deepEqual(b.errors, []);
  });

  test('usable on a tablet (768×1024, read-only, GRIDD_URL)', async (t) => {
    const b = await launch({ width: 768, height: 1024 });
    t.after(() => b.close());
    const page = b.page;
    page.setDefaultTimeout(15_000);
    await signIn(page, griddUrl(), 'planner');
    await page.goto(`${griddUrl()}/`);
    await mapIdle(page);
    const s = await openCoverage(page);
    assert.equal(s.defects, 0);
    const first = page.locator('#coverage-list > li').first();
    await first.click();
    await page.waitForFunction(() => window.__gridd.selected() !== null);
    await mapIdle(page);
    // The toolbar does not cover the open side panel.
    const panel = await page.locator('#side-panel').boundingBox();
    const toolbar = await page.locator('#edit-toolbar').boundingBox();
    assert.ok(toolbar.x >= panel.x + panel.width - 1, 'the editor toolbar sits beside the open panel');
    await screenshot(page, '22-coverage-tablet');
    assert.deepEqual(b.errors, []);
  });

  test('an overlapping grid is listed, drawn and selectable (own gridd)', async (t) => {
    const srv = await startGridd();
    const b = await launch();
    t.after(async () => {
      await b.close();
      await srv.stop();
    });
    const page = b.page;
    page.setDefaultTimeout(15_000);
    await signIn(page, srv.url, 'planner');
    await page.goto(`${srv.url}/`);
    await mapIdle(page);
    const before = await openCoverage(page);
    assert.equal(before.defects, 0, 'the demo starts clean');

    // A copy of L3 grid 33 shifted about 5 m east, under the same parent, with the next free code.
    const src = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    const parent = src.properties.parent_id;
    const admin = await apiSession(srv.url, 'admin');
    const next = (await request(srv.url, 'GET', `/api/v1/grids/${parent}/next-code`, undefined, admin.headers)).body;
    const created = await request(
      srv.url,
      'POST',
      '/api/v1/grids',
      {
        type: 'Feature',
        geometry: shifted(src.geometry, 0.00009, 0),
        properties: { name: '重叠测试网格', code: next.code, level: 3, parent_id: parent, kind: 'residential' },
      },
      admin.headers,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const newId = created.body.properties.id;

    // Refresh: the overlap is listed with the new grid among its grids.
    await page.locator('#coverage-run').click();
    await page.waitForFunction(() => window.__gridd.coverage().status === 'done' && window.__gridd.coverage().defects > 0);
    const after = await coverageState(page);
    assert.ok(after.levels.find((l) => l.level === 3).defects > 0, 'L3 has defects now');
    assert.match(await page.locator('#coverage-verdict').innerText(), /未通过/);
    const item = page.locator('#coverage-list > li[data-kind="overlap"]', { has: page.locator(`button[data-grid-id="${newId}"]`) }).first();
    await item.waitFor();
    const text = await item.innerText();
    assert.match(text, /重叠/);
    assert.match(text, /面积 [\d,.]+ m²/);
    assert.match(text, /宽 [\d.]+ m/);
    assert.ok(text.includes(next.code), 'the new grid is named by its code');
    assert.ok(text.includes(src.properties.code), 'and so is the grid it overlaps');
    assert.match(text, /建议/);
    assert.equal(await item.getAttribute('data-severity'), 'defect');

    // Click: zoom to the overlap, select a grid involved, outline the problem.
    await item.click();
    await page.waitForFunction(() => window.__gridd.selected() !== null);
    const selected = await page.evaluate(() => window.__gridd.selected());
    assert.ok([newId, 33].includes(selected), `a grid of the overlap is selected (${selected})`);
    await mapIdle(page);
    // Drawn: a rendered feature of the problems layer, of kind overlap, in view.
    const rendered = await page.evaluate(
      () => window.__gridd.map.queryRenderedFeatures({ layers: ['coverage-fill'] }).filter((f) => f.properties.kind === 'overlap').length,
    );
    assert.ok(rendered > 0, 'the overlap is drawn in the coverage layer');
    const active = await page.evaluate(() => window.__gridd.map.queryRenderedFeatures({ layers: ['coverage-active'] }).length);
    assert.ok(active > 0, 'the clicked problem is outlined');
    await screenshot(page, '23-coverage-overlap');

    // The new grid's code in the item selects exactly that grid.
    await item.locator(`button[data-grid-id="${newId}"]`).click();
    await page.waitForFunction((id) => window.__gridd.selected() === id, newId);
    assert.match(await page.locator('#details').innerText(), new RegExp(next.code));

    // Deleting the grid with the editor re-runs the check by itself: clean again.
    await page.keyboard.press('Shift+Delete');
    await page.locator('#edit-dialog').waitFor({ state: 'visible' });
    await page.locator('#edit-dialog-ok').click();
    await page.waitForFunction(() => window.__gridd.coverage().status === 'done' && window.__gridd.coverage().defects === 0, null, {
      timeout: 20_000,
    });
    assert.equal(await page.locator('#coverage-list > li[data-kind="overlap"]').count(), 0);
    await mapIdle(page);
    assert.deepEqual(b.errors, []);
  });
});
