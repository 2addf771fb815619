// Browser tests of the command center (指挥中心, issue 11): the open cases on
// the map and the board, kept live from the server's event feed (a case
// reported by another client appears within a second, without a reload); the
// case drawer with its history and the steps the role may take (file, then
// dispatch with the proposed units; the server's refusals shown in Chinese);
// reporting a case from the map with the duplicate check; and what a grid
// worker sees (the page, only their grids' cases, only their steps). Each test
// starts its own gridd (startGridd: a fresh store with the demo accounts);
// cases are made behind the page's back through the API as the demo admin.
//   GRIDD_BIN=target/debug/gridd node --test web/e2e/command.test.mjs
// Screenshots go to artifacts/screenshots/ (command-1280x720.png,
// command-768x1024.png) and artifacts/screenshots/command/.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import {
  apiSession,
  clickLngLat,
  closeBrowser,
  interiorPoint,
  launch,
  mapIdle,
  request,
  screenOf,
  screenshot,
  signIn,
  startGridd,
} from './browser.mjs';

after(() => closeBrowser());

/** A private gridd and a page signed in as `who`; both end with the test. */
async function fresh(t, who, { size, args = [] } = {}) {
  const srv = await startGridd({ args });
  const b = await launch(size);
  t.after(async () => {
    await b.close();
    await srv.stop();
  });
  b.page.setDefaultTimeout(15_000);
  if (who) await signIn(b.page, srv.url, who);
  const admin = await apiSession(srv.url, 'admin');
  return { srv, page: b.page, errors: b.errors, admin };
}

/** Report a case through the API (as another client would); answers the case. */
async function report(srv, session, body) {
  const res = await request(
    srv.url,
    'POST',
    '/api/v1/cases',
    { source: 'hotline', description: '测试案件', address: '测试路', ...body },
    { ...session.headers, 'Idempotency-Key': randomUUID() },
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.case;
}

/** Take a step through the API; answers the case after it. */
async function step(srv, session, c, body) {
  const res = await request(srv.url, 'POST', `/api/v1/cases/${c.id}/steps`, body, {
    ...session.headers,
    'Idempotency-Key': randomUUID(),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.case;
}

/** A point inside a grid (its true geometry from the API). */
async function inside(srv, gridId) {
  const g = (await request(srv.url, 'GET', `/api/v1/grids/${gridId}`)).body;
  return interiorPoint(g.geometry);
}

/** Open the command center and wait until the board is loaded and the live feed is open. */
async function openCommand(page, srv, hash = '#/command') {
  await page.goto(`${srv.url}/${hash}`);
  await page.waitForFunction(() => {
    const c = window.__gridd?.command?.();
    return c && c.loaded && c.live === 'on';
  });
  await page.waitForFunction(() => !!window.__gridd.map);
  await mapIdle(page);
}

const row = (page, number) => page.locator(`#case-list .cmd-item[data-number="${number}"]`);
const drawerState = (page) => page.evaluate(() => window.__gridd.command().drawer);

describe('the command center', () => {
  test('a case reported by another client appears on the board and the map within a second, changes in place and leaves once finished', async (t) => {
    const { srv, page, errors, admin } = await fresh(t, 'operator');
    const [lon, lat] = await inside(srv, 50);
    const first = await report(srv, admin, { category: 'SJ-01-01', location: { lon, lat }, description: '早上的暴露垃圾' });
    await openCommand(page, srv);
    await row(page, first.number).waitFor();
    // Not a reload: a mark left on the window survives every update below.
    await page.evaluate(() => (window.__notReloaded = true));
    assert.equal(await page.locator('#cmd-live').getAttribute('data-state'), 'on');
    assert.match(await page.locator('#cmd-live').innerText(), /实时更新中/);

    // Another client reports: the board has it within a second.
    const [lon2, lat2] = await inside(srv, 7);
    const t0 = Date.now();
    const second = await report(srv, admin, {
      category: 'BJ-01-01',
      location: { lon: lon2, lat: lat2 },
      description: '井盖缺失，有人差点摔倒',
      reporter: { name: '李四', phone: '13912345678' },
    });
    await row(page, second.number).waitFor({ timeout: 1000 });
    const took = Date.now() - t0;
    assert.ok(took <= 1000, `the new case appeared after ${took} ms`);
    // Newest first, with its number, category, stage and grid.
    const numbers = await page.locator('#case-list .cmd-item').evaluateAll((ls) => ls.map((l) => l.dataset.number));
    assert.deepEqual(numbers, [second.number, first.number]);
    const text = await row(page, second.number).innerText();
    for (const want of [second.number, '井盖破损或缺失', '信息收集', '待立案'])
      assert.ok(text.includes(want), `the row says ${want}: ${text}`);
    // On the map too: a point of the `cases` source.
    await page.waitForFunction(
      (n) => window.__gridd.map.querySourceFeatures('cases').some((f) => f.properties.number === n),
      second.number,
    );
    assert.match(await page.locator('[data-counter="open"] .cmd-counter-value').innerText(), /^2$/);
    await page.waitForFunction(() => document.querySelector('[data-counter="today"] .cmd-counter-value')?.textContent === '2');

    // A step elsewhere changes the row in place (stage, deadline).
    await step(srv, admin, second, { action: 'file', version: second.version, note: '立案' });
    await page.locator(`#case-list .cmd-item[data-number="${second.number}"][data-stage="filed"]`).waitFor({ timeout: 1000 });
    assert.match(await row(page, second.number).innerText(), /案卷建立[\s\S]*剩余/);

    // A case refused elsewhere leaves the open list (and the map).
    await step(srv, admin, first, { action: 'refuse', version: first.version, reason: '重复上报' });
    await row(page, first.number).waitFor({ state: 'detached', timeout: 1000 });
    await page.waitForFunction(
      (n) => !window.__gridd.map.querySourceFeatures('cases').some((f) => f.properties.number === n),
      first.number,
    );
    assert.match(await page.locator('#board-count').innerText(), /共 1 件未结案件/);

    // Filters and search: the board and the map show what passes.
    await page.locator('#board-text').fill('摔倒');
    assert.equal(await page.locator('#case-list .cmd-item').count(), 1);
    await page.locator('#board-text').fill('没有这样的案件');
    assert.equal(await page.locator('#case-list .cmd-item').count(), 0);
    assert.match(await page.locator('#case-list').innerText(), /没有符合条件的案件/);
    await page.locator('#board-clear').click();
    await page.locator('#board-stage').selectOption('reported');
    assert.equal(await page.locator('#case-list .cmd-item').count(), 0);
    await page.locator('#board-stage').selectOption('filed');
    assert.equal(await page.locator('#case-list .cmd-item').count(), 1);
    await page.locator('#board-overdue').check();
    assert.equal(await page.locator('#case-list .cmd-item').count(), 0, 'nothing is overdue yet');
    await page.locator('#board-clear').click();
    assert.equal(await page.locator('#case-list .cmd-item').count(), 1);

    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was never reloaded');
    assert.deepEqual(errors, []);
  });

  test('the operator opens a case from the map, files it and dispatches it to the proposed units; the stage and the history follow', async (t) => {
    const { srv, page, errors, admin } = await fresh(t, 'operator');
    const [lon, lat] = await inside(srv, 50);
    const c = await report(srv, admin, {
      category: 'SJ-01-01',
      location: { lon, lat },
      description: '小区门口暴露垃圾',
      reporter: { name: '张三', phone: '13812345678' },
    });
    await openCommand(page, srv);
    await row(page, c.number).waitFor();

    // A click on its marker opens the drawer at the case's address.
    await clickLngLat(page, [c.lon, c.lat]);
    await page.waitForFunction((n) => location.hash.startsWith(`#/command/case/${n}`), c.number);
    await page.waitForFunction((n) => window.__gridd.command().drawer.number === n && window.__gridd.command().drawer.steps, c.number);
    const facts = page.locator('#case-facts');
    assert.equal(await facts.locator('[data-field="stage"]').innerText(), '信息收集');
    assert.match(await facts.locator('[data-field="category"]').innerText(), /暴露垃圾/);
    // The operator may read reporters: shown unmasked, as the server sends them.
    assert.match(await facts.locator('[data-field="reporter"]').innerText(), /张三 · 13812345678/);
    assert.equal(await page.locator('#timeline li').count(), 1);
    assert.match(await page.locator('#timeline').innerText(), /上报[\s\S]*admin/);
    // Only the steps valid from 信息收集, by name.
    const offered = () => page.locator('#action-buttons button').evaluateAll((bs) => bs.map((b) => b.dataset.action));
    assert.deepEqual(await offered(), ['file', 'refuse', 'merge']);
    assert.match(await page.locator('#action-buttons').innerText(), /立案[\s\S]*不予立案[\s\S]*合并/);

    // A refusal without a reason: the server's 422, in Chinese, next to the field.
    await page.locator('#action-buttons [data-action="refuse"]').click();
    const refused = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cases/${c.id}/steps`));
    await page.locator('#step-submit').click();
    assert.equal((await refused).status(), 422);
    await page.locator('#step-problem:not([hidden])').waitFor();
    assert.match(await page.locator('#step-problem').innerText(), /请检查以下内容[\s\S]*原因：必填/);
    assert.equal(await page.locator('[data-field="reason"] .field-error').innerText(), '必填');
    assert.equal(await page.locator('#step-reason').getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'command/01-refuse-422');
    await page.locator('#step-cancel').click();

    // File it: the stage and the history follow.
    await page.locator('#action-buttons [data-action="file"]').click();
    await page.locator('#step-note').fill('情况属实，立案');
    const filed = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/cases/${c.id}/steps`));
    await page.locator('#step-submit').click();
    const req = await filed;
    assert.ok(req.headers()['idempotency-key'], 'the step carries an Idempotency-Key');
    assert.ok(req.headers()['x-csrf-token'], 'and the session’s CSRF token');
    assert.deepEqual(JSON.parse(req.postData()), { action: 'file', version: c.version, category: 'SJ-01-01', note: '情况属实，立案' });
    await page.locator('#case-drawer[data-stage="filed"]').waitFor();
    await page.locator('#timeline li[data-kind="file"]').waitFor();
    assert.match(await page.locator('#step-done').innerText(), /已完成：立案/);
    assert.match(
      await page.locator('#timeline li[data-kind="file"]').innerText(),
      /立案[\s\S]*operator · 信息收集 → 案卷建立[\s\S]*情况属实，立案[\s\S]*时限/,
    );
    assert.match(await facts.locator('[data-field="deadline"]').innerText(), /剩余/);
    assert.deepEqual(await offered(), ['merge', 'dispatch', 'escalate', 'explain']);
    await page.locator(`#case-list .cmd-item[data-number="${c.number}"][data-stage="filed"]`).waitFor();

    // Dispatch: the form is pre-filled with the proposal, in its order.
    const proposal = (await request(srv.url, 'GET', `/api/v1/cases/${c.id}/proposal`, undefined, admin.headers)).body;
    assert.ok(proposal.length >= 1, 'the server proposes units');
    await page.locator('#action-buttons [data-action="dispatch"]').click();
    await page.locator('#step-units input[type="checkbox"]').first().waitFor();
    const checked = await page
      .locator('#step-units input[type="checkbox"]:checked')
      .evaluateAll((bs) => bs.map((b) => JSON.parse(b.dataset.unit)));
    assert.deepEqual(checked, proposal, 'the proposed units are ticked, in order');
    assert.match(await page.locator('#step-units li').first().innerText(), /牵头/);

    await page.locator('#step-note').fill('请尽快处理');
    // Meanwhile someone else escalates it: the drawer shows it live; the open form still names the old version.
    const filedCase = (await request(srv.url, 'GET', `/api/v1/cases/${c.id}`, undefined, admin.headers)).body;
    await step(srv, admin, filedCase, { action: 'escalate', version: filedCase.version, note: '群众多次反映' });
    await page.locator('#timeline li[data-kind="escalate"]').waitFor({ timeout: 2000 });
    assert.match(await facts.locator('[data-field="supervision"]').innerText(), /督办中/);
    // What was typed in the open form stays through the live update.
    assert.equal(await page.locator('#step-note').inputValue(), '请尽快处理');
    assert.equal(await page.locator('#step-units input[type="checkbox"]:checked').count(), proposal.length);
    const stale = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cases/${c.id}/steps`));
    await page.locator('#step-submit').click();
    assert.equal((await stale).status(), 409);
    await page.locator('#step-problem:not([hidden])').waitFor();
    assert.match(await page.locator('#step-problem').innerText(), /案件已被他人更新（现在是第 \d+ 版）/);
    // Submitting again goes from the version now shown.
    const dispatched = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/cases/${c.id}/steps`));
    await page.locator('#step-submit').click();
    const sent = JSON.parse((await dispatched).postData());
    assert.equal(sent.action, 'dispatch');
    // Escalation adds the L1 grid to the units, so the dispatch names what was ticked: the proposal.
    assert.deepEqual(sent.units, proposal);
    assert.equal(sent.note, '请尽快处理');
    await page.locator('#case-drawer[data-stage="dispatched"]').waitFor();
    await page.locator('#timeline li[data-kind="dispatch"]').waitFor();
    const kinds = await page.locator('#timeline li').evaluateAll((ls) => ls.map((l) => l.dataset.kind));
    assert.deepEqual(kinds, ['report', 'file', 'escalate', 'dispatch']);
    assert.match(await page.locator('#timeline li[data-kind="dispatch"]').innerText(), /任务派遣[\s\S]*派遣单位/);
    assert.match(await page.locator('#case-drawer h2').innerText(), new RegExp(`案件 ${c.number}`));
    assert.match(await page.locator('#case-drawer .drawer-head .stage-badge').innerText(), /任务派遣/);
    const stored = (await request(srv.url, 'GET', `/api/v1/cases/${c.id}`, undefined, admin.headers)).body;
    assert.equal(stored.stage, 'dispatched');
    assert.deepEqual(stored.units, proposal);
    await page.locator(`#case-list .cmd-item[data-number="${c.number}"][data-stage="dispatched"]`).waitFor();
    await mapIdle(page);
    await screenshot(page, 'command/02-dispatched');

    // Closing the drawer goes back to the board's address; Esc does it from the drawer.
    await page.locator('#drawer-close').click();
    await page.waitForFunction(() => /^#\/command(\?|$)/.test(location.hash));
    assert.equal(await page.locator('#case-drawer').isHidden(), true);
    assert.deepEqual(errors, []);
  });

  test('reporting from the map: the form, the duplicate check before saving, a photo, and the new case in the drawer', async (t) => {
    const { srv, page, errors, admin } = await fresh(t, 'operator');
    const [lon, lat] = await inside(srv, 50);
    const existing = await report(srv, admin, { category: 'SJ-01-01', location: { lon, lat }, description: '同一堆垃圾' });
    await openCommand(page, srv);
    assert.equal(await page.locator('#report-start').innerText(), '上报案件');
    await page.locator('#report-start').click();
    assert.equal(await page.locator('#report-start').getAttribute('aria-pressed'), 'true');
    assert.match(await page.locator('#report-hint').innerText(), /在地图上点击案件发生的位置/);
    // A click next to the existing case (a few metres off) places the report; the marker does not open it.
    await clickLngLat(page, [lon + 0.00005, lat]);
    await page.locator('#report-form').waitFor();
    assert.equal(await drawerState(page).then((d) => d.report), true);
    assert.match(await page.locator('#case-drawer').innerText(), /上报案件/);
    // The categories are grouped by class and major class.
    const groups = await page.locator('#report-category optgroup').evaluateAll((gs) => gs.map((g) => g.label));
    assert.ok(groups.includes('事件 · 市容环境') && groups.includes('部件 · 公用设施'), groups.join(', '));
    // Saving without a category is asked for first.
    await page.locator('#report-save').click();
    assert.match(await page.locator('#report-problem').innerText(), /类别：必填/);
    await page.locator('#report-category').selectOption('SJ-01-01');
    await page.locator('#report-description').fill('路口又有一堆垃圾');
    await page.locator('#report-address').fill('测试路 2 号');
    await page.locator('#report-reporter-name').fill('王五');
    await page.locator('#report-reporter-phone').fill('13700001111');
    // A 1×1 PNG.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    await page.locator('#report-photos').setInputFiles({ name: 'site.png', mimeType: 'image/png', buffer: png });
    const checked = page.waitForResponse((r) => r.url().includes('/api/v1/cases/duplicates'));
    await page.locator('#report-save').click();
    assert.equal((await checked).status(), 200);
    await page.locator('#report-duplicates:not([hidden])').waitFor();
    assert.match(await page.locator('#report-duplicates').innerText(), /附近 50 米内 7 天内已有同类案件/);
    assert.match(await page.locator('#report-duplicates').innerText(), new RegExp(existing.number));
    await screenshot(page, 'command/03-duplicates');
    // Still report it.
    const saved = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/v1/cases'));
    await page.locator('#report-save-anyway').click();
    const res = await saved;
    assert.equal(res.status(), 201);
    assert.ok(res.request().headers()['idempotency-key'], 'the report carries an Idempotency-Key');
    const made = (await res.json()).case;
    assert.equal(made.photos.length, 1, 'the photo was uploaded and named');
    assert.equal(made.reporter.name, '王五');
    // The new case opens in the drawer, at its address, and is on the board.
    await page.waitForFunction((n) => location.hash.startsWith(`#/command/case/${n}`), made.number);
    await page.locator(`#case-drawer[data-number="${made.number}"]`).waitFor();
    await page.locator('#timeline li[data-kind="report"]').waitFor();
    assert.match(await page.locator('#step-done').innerText(), new RegExp(`已上报，案件编号 ${made.number}`));
    assert.match(await page.locator('#case-facts [data-field="description"]').innerText(), /路口又有一堆垃圾/);
    await row(page, made.number).waitFor();
    // The photo is a thumbnail read from /case-photos/{id}.
    await page.waitForFunction(() => {
      const img = document.querySelector('#case-photos img');
      return img && img.complete && img.naturalWidth === 1;
    });
    assert.equal(await page.locator('#report-start').getAttribute('aria-pressed'), 'false');
    assert.deepEqual(errors, []);
  });

  test('a grid worker has the command center (the server grants read_cases) with only their grids’ cases and steps; a planner has none', async (t) => {
    const { srv, page, errors, admin } = await fresh(t, 'worker', { size: { width: 768, height: 1024 } });
    const me = (await request(srv.url, 'GET', '/api/v1/auth/me', undefined, (await apiSession(srv.url, 'worker')).headers)).body;
    assert.ok(me.actions.includes('read_cases'), 'the server lets grid workers read cases');
    const scope = me.user.grants[0].scope;
    assert.match(scope, /^grid:\d+$/);
    const own = Number(scope.split(':')[1]);
    const outside = own === 2 ? 1 : 2;
    const [lon, lat] = await inside(srv, own);
    const [olon, olat] = await inside(srv, outside);
    const mine = await report(srv, admin, { category: 'SJ-01-01', location: { lon, lat }, description: '我网格里的' });
    const theirs = await report(srv, admin, { category: 'SJ-01-01', location: { lon: olon, lat: olat }, description: '别的网格的' });
    await openCommand(page, srv);
    assert.ok(await page.locator('#nav-list a[data-page="command"]').count(), 'the navigation has the command center');
    await row(page, mine.number).waitFor();
    assert.equal(await row(page, theirs.number).count(), 0, 'a case outside the worker’s grids is not listed');

    // Live too: only what the worker may read arrives.
    const later = await report(srv, admin, { category: 'BJ-01-01', location: { lon: olon, lat: olat }, description: '别处的井盖' });
    const laterMine = await report(srv, admin, { category: 'BJ-01-01', location: { lon, lat }, description: '我这里的井盖' });
    await row(page, laterMine.number).waitFor({ timeout: 1000 });
    assert.equal(await row(page, later.number).count(), 0);
    const numbers = await page.evaluate(() => window.__gridd.command().cases.map((c) => c.number));
    assert.deepEqual(numbers.sort(), [mine.number, laterMine.number].sort());

    // The worker's drawer: the reporter masked as the server sends it; no filing or dispatching.
    await page.locator(`#case-list .cmd-item[data-number="${mine.number}"] a`).click();
    await page.waitForFunction((n) => window.__gridd.command().drawer.number === n && window.__gridd.command().drawer.steps, mine.number);
    assert.equal(await page.locator('#action-buttons').count(), 0);
    assert.match(await page.locator('#actions-none').innerText(), /没有可办理的步骤/);
    // Once dispatched to their grid, they may accept it and report the result — not verify yet, nor escalate.
    const filed = await step(srv, admin, mine, { action: 'file', version: mine.version });
    await step(srv, admin, filed, { action: 'dispatch', version: filed.version, units: [{ kind: 'grid', grid_id: own }] });
    await page.locator('#case-drawer[data-stage="dispatched"]').waitFor({ timeout: 2000 });
    const offered = await page.locator('#action-buttons button').evaluateAll((bs) => bs.map((b) => b.dataset.action));
    assert.deepEqual(offered, ['accept', 'report_result']);
    await page.locator('#action-buttons [data-action="accept"]').click();
    await page.locator('#step-submit').click();
    await page.locator('#case-drawer[data-stage="handling"]').waitFor();
    await mapIdle(page);
    await screenshot(page, 'command/04-worker-768x1024');
    // Another case's address the worker may not read: the drawer says so.
    await page.goto(`${srv.url}/#/command/case/${theirs.number}`);
    await page
      .locator('#drawer-status')
      .filter({ hasText: `没有找到案件 ${theirs.number}` })
      .waitFor();
    assert.deepEqual(errors, []);

    // A planner (no read_cases) has neither the page nor its link (in a context of their own).
    const other = await launch();
    t.after(() => other.close());
    await signIn(other.page, srv.url, 'planner');
    await other.page.goto(`${srv.url}/#/command`);
    await other.page.locator('#forbidden').waitFor();
    assert.match(await other.page.locator('#forbidden').innerText(), /无权访问[\s\S]*网格规划员/);
    assert.equal(await other.page.locator('#nav-list a[data-page="command"]').count(), 0);
    assert.deepEqual(other.errors, []);
  });

  test('overdue and near-deadline cases stand out; English; screenshots at 1280×720 and 768×1024', async (t) => {
    const { srv, page, errors, admin } = await fresh(t, 'operator', { args: ['--test-clock'] });
    const spots = await Promise.all([50, 7, 20, 33, 12, 60].map((g) => inside(srv, g)));
    const at = (i) => ({ lon: spots[i % spots.length][0], lat: spots[i % spots.length][1] });
    // A fire filed now is due within two clock hours.
    const fire = await report(srv, admin, { category: 'SJ-04-01', location: at(0), description: '楼道里有烟' });
    await step(srv, admin, fire, { action: 'file', version: fire.version });
    const rubbish = await report(srv, admin, { category: 'SJ-01-01', location: at(1), description: '暴露垃圾' });
    let r = await step(srv, admin, rubbish, { action: 'file', version: rubbish.version });
    const proposal = (await request(srv.url, 'GET', `/api/v1/cases/${r.id}/proposal`, undefined, admin.headers)).body;
    r = await step(srv, admin, r, { action: 'dispatch', version: r.version, units: proposal });
    await step(srv, admin, r, { action: 'accept', version: r.version });
    await report(srv, admin, { category: 'BJ-02-01', location: at(2), description: '路灯不亮', source: 'patrol' });
    const parking = await report(srv, admin, { category: 'SJ-05-02', location: at(3), description: '违章停车堵住消防通道' });
    await step(srv, admin, parking, { action: 'file', version: parking.version });
    // Three hours later the fire is overdue (the server's sweep records it) …
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await request(srv.url, 'PUT', '/api/v1/test-clock', { now: now + 3 * 3600 }, admin.headers)).status, 204);
    // … and a gas leak filed then is due within two hours: near its deadline.
    const gas = await report(srv, admin, { category: 'SJ-04-02', location: at(4), description: '闻到燃气味' });
    await step(srv, admin, gas, { action: 'file', version: gas.version });
    await report(srv, admin, { category: 'FW-05-01', location: at(5), description: '邻里噪音纠纷', source: 'visit' });

    await openCommand(page, srv);
    // The counters and the board go by the server's clock (read from the evaluation).
    await page.locator(`#case-list .cmd-item[data-number="${fire.number}"][data-due="overdue"]`).waitFor();
    await page.locator(`#case-list .cmd-item[data-number="${gas.number}"][data-due="near"]`).waitFor();
    assert.match(await row(page, fire.number).innerText(), /超期/);
    assert.match(await row(page, gas.number).innerText(), /剩余/);
    await page.waitForFunction(() => document.querySelector('[data-counter="overdue"] .cmd-counter-value')?.textContent === '1');
    assert.equal(await page.locator('[data-counter="overdue"]').evaluate((e) => e.classList.contains('warn')), true);
    // On the map: red with a pulse, orange.
    const colours = await page.evaluate(() =>
      Object.fromEntries(
        window.__gridd.map.querySourceFeatures('cases').map((f) => [f.properties.number, [f.properties.due, f.properties.color]]),
      ),
    );
    assert.deepEqual(colours[fire.number], ['overdue', '#d92d20']);
    assert.deepEqual(colours[gas.number], ['near', '#f79009']);
    assert.equal(await page.locator('.case-pulse').count(), 1);
    // The pulse sits on the case.
    const ring = await page.locator('.case-pulse-at').boundingBox();
    const spot = await screenOf(page, [fire.lon, fire.lat]);
    assert.ok(
      Math.abs(ring.x + ring.width / 2 - spot.x) < 3 && Math.abs(ring.y + ring.height / 2 - spot.y) < 3,
      `the pulse is at the case: ${JSON.stringify(ring)} vs ${JSON.stringify(spot)}`,
    );
    await page.locator('#board-overdue').check();
    assert.deepEqual(await page.locator('#case-list .cmd-item').evaluateAll((ls) => ls.map((l) => l.dataset.number)), [fire.number]);
    await page.locator('#board-overdue').uncheck();
    await mapIdle(page);
    await screenshot(page, 'command-1280x720');

    await page.setViewportSize({ width: 768, height: 1024 });
    await page.locator(`#case-list .cmd-item[data-number="${fire.number}"] a`).click();
    await page.locator('#timeline li[data-kind="overdue"]').waitFor();
    assert.match(await page.locator('#timeline li[data-kind="overdue"]').innerText(), /超期[\s\S]*system/);
    await mapIdle(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px at 768 px`);
    await screenshot(page, 'command-768x1024');

    // English, by the app's switch.
    await page.locator('#lang-switch').click();
    await page.locator('#board-title').filter({ hasText: 'Case board' }).waitFor();
    assert.match(await page.locator('#case-facts [data-field="stage"]').innerText(), /Filed/);
    assert.match(await page.locator('#cmd-counters').innerText(), /Open cases[\s\S]*Overdue/);
    await screenshot(page, 'command/05-english-768x1024');
    assert.deepEqual(errors, []);
  });
});
