// Every page of the app at every screen size the product supports (desktop,
// laptop, tablet, phone), read-only against the GRIDD_URL demo, signed in as
// the demo subdistrict admin (who may open every page): it opens, says what it
// is (the pages still to come name their issue; the command center shows its
// case board, loaded; the field and patrols pages their week), fits the screen without
// sideways scrolling, shows the keyboard focus, and leaves a screenshot in
// artifacts/screenshots/pages/. Sizes run side by side, each in its own
// browser context. The public page is opened without signing in.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { closeBrowser, getJson, griddUrl, launch, mapIdle, screenshot, signIn } from './browser.mjs';

after(() => closeBrowser());

const SIZES = [
  [1920, 1080],
  [1280, 720],
  [768, 1024],
  [390, 844],
];

/** Each route, what marks it as ready, and the issue a page still to come names. */
const PAGES = [
  { name: 'editor', hash: '#/editor', ready: '#tree li[role="treeitem"]', map: true },
  { name: 'editor-grid', hash: '#/editor/grid/33', ready: '#details [data-field="code"]', map: true, selected: 33 },
  { name: 'coverage', hash: '#/coverage', ready: '#coverage-verdict', map: true },
  { name: 'command', hash: '#/command', ready: '#case-board[data-loaded="true"]', map: true },
  { name: 'command-case', hash: '#/command/case/2026-000123', ready: '#case-drawer[data-number="2026-000123"]', map: true },
  { name: 'field', hash: '#/field', ready: '#field-grids li', map: true },
  { name: 'public', hash: '#/public', ready: '#public-list li', map: true },
  { name: 'public-grid', hash: '#/public/grid/33', ready: '#public-facts', map: true },
  { name: 'admin', hash: '#/admin', ready: '#plan', issue: '10/11' },
  { name: 'admin-users', hash: '#/admin/users', ready: '#plan', issue: '10/11' },
  { name: 'patrols', hash: '#/patrols', ready: '#patrols-summary[data-week^="2"]', map: true },
  { name: 'audit', hash: '#/audit', ready: '#audit-status[data-status="done"]' },
  { name: 'signin', hash: '#/signin', ready: '#signin-form' },
  { name: 'notfound', hash: '#/no/such/page', ready: '#plan' },
];

async function visit(page, p) {
  await page.goto(`${griddUrl()}/${p.hash}`);
  await page.locator(p.ready).first().waitFor({ state: 'attached' });
  if (p.map) {
    await page.waitForFunction(() => !!window.__gridd?.map);
    await mapIdle(page);
  }
}

describe('every page at every screen size', () => {
  for (const [width, height] of SIZES) {
    test(`${width}×${height}`, async (t) => {
      const b = await launch({ width, height });
      t.after(() => b.close());
      const page = b.page;
      page.setDefaultTimeout(20_000);
      await signIn(page, griddUrl(), 'admin');
      for (const p of PAGES) {
        await visit(page, p);
        const where = `${p.name} at ${width}×${height}`;
        if (p.issue) assert.equal(await page.locator('#plan').getAttribute('data-issue'), p.issue, where);
        if (p.selected) await page.waitForFunction((id) => window.__gridd.selected() === id, p.selected);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${where}: the page scrolls sideways by ${overflow} px`);
        // The navigation is reachable (inline, or behind the menu button on smaller screens).
        assert.ok((await page.locator('#nav-toggle').isVisible()) || (await page.locator('#nav-list a').first().isVisible()), where);
        await screenshot(page, `pages/${p.name}-${width}x${height}`);
      }
      assert.deepEqual(b.errors, [], 'no uncaught page errors');
    });
  }
});

describe('pages', () => {
  test('the navigation goes to each page, marks the current one and works by keyboard', async (t) => {
    const b = await launch({ width: 1280, height: 720 });
    t.after(() => b.close());
    const page = b.page;
    await signIn(page, griddUrl(), 'admin');
    await visit(page, PAGES[0]);
    await page.locator('#nav-toggle').focus();
    await page.keyboard.press('Enter');
    await page.locator('#nav-list.open a[data-page="command"]').waitFor();
    // Every control shows where the keyboard is.
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused link shows an outline');
    await page.locator('#nav-list a[data-page="command"]').press('Enter');
    await page.locator('#case-board').waitFor();
    assert.match(new URL(page.url()).hash, /^#\/command/);
    assert.equal(await page.locator('nav a[aria-current="page"]').getAttribute('data-page'), 'command');
    assert.equal(await page.locator('#page-title').innerText(), '指挥中心');
    assert.match(await page.locator('#board-title').innerText(), /案件看板/);
    await page.goBack();
    await page.locator('#tree li[role="treeitem"]').first().waitFor({ state: 'attached' });
    assert.match(new URL(page.url()).hash, /^#\/editor/);
    assert.deepEqual(b.errors, []);
  });

  test('a case has its address on the command center', async (t) => {
    const b = await launch();
    t.after(() => b.close());
    await signIn(b.page, griddUrl(), 'operator');
    await visit(b.page, PAGES[4]);
    // The drawer names the case of the address (the read-only demo has no case of that number).
    assert.match(await b.page.locator('#case-drawer h2').innerText(), /案件 2026-000123/);
    await b.page.locator('#drawer-status').filter({ hasText: '没有找到案件 2026-000123' }).waitFor();
    await b.page.goto(`${griddUrl()}/#/command/case/123`);
    await b.page.locator('#plan').waitFor();
    assert.equal(await b.page.locator('#plan').getAttribute('data-issue'), null, 'a malformed case number is no page');
  });

  test('the public page shows a grid’s boundary, code, name and level, and what issue 14 adds', async (t) => {
    const g = await getJson('/api/v1/grids/33');
    const b = await launch();
    t.after(() => b.close());
    const page = b.page;
    await visit(page, PAGES[7]);
    const facts = page.locator('#public-facts');
    assert.equal(await facts.locator('[data-field="code"]').innerText(), g.properties.code);
    assert.equal(await facts.locator('[data-field="name"]').innerText(), g.properties.name);
    assert.match(await facts.locator('[data-field="level"]').innerText(), /三级/);
    // What issue 14 adds: the level's duties and the team (the demo publishes none yet).
    assert.match(await page.locator('#public-duties').innerText(), /9\.3\.1 发现问题/);
    assert.match(await page.locator('#public-team').innerText(), /尚未公布服务团队/);
    assert.match(await page.locator('#public-status').innerText(), /服务团队尚未配齐/);
    // The boundary is drawn from the grid's true geometry.
    const drawn = await page.evaluate(() => window.__gridd.map.querySourceFeatures('focus').length);
    assert.ok(drawn > 0, 'the grid is drawn on the map');
    // No personal data: no editing tools, no responsible people or phones.
    assert.equal(await page.locator('#edit-toolbar').count(), 0);
    assert.doesNotMatch(await page.locator('#public-card').innerText(), /负责人|电话|phone/i);
    // The list finds a grid by code and opens its page.
    await page.goto(`${griddUrl()}/#/public`);
    await page.locator('#public-search').fill(g.properties.code);
    await page.locator('#public-list a').first().click();
    await page.locator('#public-facts').waitFor();
    assert.match(new URL(page.url()).hash, /^#\/public\/grid\/33/);
    assert.deepEqual(b.errors, []);
  });

  test('the phone layout keeps the editor usable: the menu, the panel toggle and the tools fit', async (t) => {
    const b = await launch({ width: 390, height: 844 });
    t.after(() => b.close());
    const page = b.page;
    await signIn(page, griddUrl(), 'planner');
    await visit(page, PAGES[0]);
    assert.equal(await page.locator('#panel-toggle').getAttribute('aria-expanded'), 'false');
    for (const id of ['#nav-toggle', '#panel-toggle', '#lang-switch', '#sign-out', '#level-switch', '#edit-vertices']) {
      const box = await page.locator(id).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${id} fits the phone's width`);
    }
    await page.locator('#lang-switch').click();
    await page.reload();
    await page.locator('#tree li[role="treeitem"]').first().waitFor({ state: 'attached' });
    assert.equal(await page.locator('#lang-switch').innerText(), '中文', 'the English choice is remembered');
  });
});
