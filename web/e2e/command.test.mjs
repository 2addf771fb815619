// Browser tests of the command center (指挥中心, issue 11): the open cases on
// the map and the board, kept live from the server's event feed (a citizen's
// report through Open311 appears without a reload; the
// case drawer with its history and the steps the role may take (file, then
// dispatch with the proposed units, which then see it in their own view; the
// server's refusals shown in Chinese);
// reporting a case from the map with the duplicate check; and what a grid
// worker sees (the page, only their grids' cases, only their steps). Each test
// starts its own gridd (startGridd: a fresh store with the demo accounts);
// cases are made behind the page's back through the API as the demo admin.
//   GRIDD_BIN=target/debug/gridd node --test web/e2e/command.test.mjs
// Screenshots go to artifacts/screenshots/ (command-1280x720.png,
// command-768x1024.png) and artifacts/screenshots/command/.
// Issue 12: the wall mode (大屏, #/command?wall=1: large counters, the views in
// turn, live; command-wall-1920x1080.png), a deadline passing while the page
// is open, and a dropped feed that resumes with Last-Event-ID.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
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

/**
 * A private gridd and a page signed in as `who`; both end with the test.
 * `another(name, size)` opens one more browser context on the same gridd,
 * signed in as `name` (another role's own view); those close first, since an
 * open event feed would keep the server from stopping.
 */
async function fresh(t, who, { size, args = [] } = {}) {
  const srv = await startGridd({ args });
  const b = await launch(size);
  const others = [];
  t.after(async () => {
    for (const o of others) await o.close();
    await b.close();
    await srv.stop();
  });
  b.page.setDefaultTimeout(15_000);
  if (who) await signIn(b.page, srv.url, who);
  const admin = await apiSession(srv.url, 'admin');
  const another = async (name, size) => {
    const o = await launch(size);
    others.push(o);
    o.page.setDefaultTimeout(15_000);
    await signIn(o.page, srv.url, name);
    return o;
  };
  return { srv, page: b.page, errors: b.errors, admin, another };
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

/**
 * The citizens' app's Open311 key: an API token of the demo's `public` account
 * (the public role may report), issued by the admin through `POST
 * /api/v1/tokens` as `gridd token create` would (docs/cases.md, Open311:
 * `api_key` = an API token of the citizens' app account).
 */
async function citizenKey(srv, admin) {
  const res = await request(
    srv.url,
    'POST',
    '/api/v1/tokens',
    { account: 'public', name: '市民 App（浏览器测试）', days: 1 },
    admin.headers,
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.token;
}

/**
 * A citizen's report through Open311 GeoReport v2, as the citizens' app sends
 * it: `POST /open311/v2/requests.json`, form-encoded (`fields` with `api_key`,
 * `service_code`, `lat`, `long`, `description`, `first_name`, `phone`, …).
 * Answers the `service_request_id`, which is the case number here.
 */
async function citizenReport(srv, fields) {
  const res = await fetch(`${srv.url}/open311/v2/requests.json`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  const created = JSON.parse(text);
  assert.equal(created.length, 1, `an array of one: ${text}`);
  assert.match(created[0].service_request_id, /^\d{4}-\d{6}$/, text);
  return created[0].service_request_id;
}

/** A case by its number, as the API has it for `session` (only the open311 intake is searched). */
async function caseByNumber(srv, session, number) {
  const res = await request(srv.url, 'GET', '/api/v1/cases?source=open311', undefined, session.headers);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const c = res.body.find((x) => x.number === number);
  assert.ok(c, `the API lists the Open311 report ${number}`);
  return c;
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

/**
 * The case points the map has loaded around `c` (a case: `number`, `lon`,
 * `lat`), read from the vector source `cases` (layer `cases`) of layers.ts:
 * one point per case from zoom 15, so the map is taken there (centred on the
 * case when it is out of view) for the reading and put back as it was.
 * Answers the point's id, properties and colour, or null when there is none.
 */
async function mapCasePoint(page, c) {
  const before = await page.evaluate(
    ([lon, lat]) => {
      const m = window.__gridd.map;
      if (m.getZoom() >= 15 && m.getBounds().contains([lon, lat])) return null;
      const was = { center: m.getCenter(), zoom: m.getZoom() };
      m.jumpTo({ center: [lon, lat], zoom: 16 });
      return was;
    },
    [c.lon, c.lat],
  );
  await mapIdle(page);
  const got = await page.evaluate((n) => {
    const m = window.__gridd.map;
    const f = m
      .querySourceFeatures('cases', { sourceLayer: 'cases' })
      .find((x) => x.properties.cluster !== true && x.properties.number === n);
    if (!f) return null;
    // The colour the dot layer gives the point.
    const v = m.getLayer('cases-dot').paint.get('circle-color').evaluate(f, {});
    const hex = (x) =>
      Math.round(x * 255)
        .toString(16)
        .padStart(2, '0');
    return { id: f.id, properties: f.properties, color: `#${hex(v.r)}${hex(v.g)}${hex(v.b)}` };
  }, c.number);
  if (before) {
    await page.evaluate((was) => window.__gridd.map.jumpTo(was), before);
    await mapIdle(page);
  }
  return got;
}

/**
 * How the map draws a case now: the `due` ('overdue', 'near', 'ok', 'none') of
 * its point in the case tiles, or null when the map has no point for it. The
 * one map-side helper with mapCasePoint.
 */
async function mapCaseDue(page, c) {
  return (await mapCasePoint(page, c))?.properties.due ?? null;
}

/** Ask `read` again until it answers `want` (or fail after `timeout` ms, naming the last answer). */
async function eventually(read, want, { timeout = 5000, what = 'the value' } = {}) {
  const end = Date.now() + timeout;
  let got;
  while (Date.now() < end) {
    got = await read();
    if (got === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} is ${JSON.stringify(got)}, not ${JSON.stringify(want)}, after ${timeout} ms`);
}

/**
 * Several cases, as the overdue test has them: a fire overdue three clock
 * hours on (the server's sweep records it), a gas leak filed then (near its
 * deadline), and four others (reported, filed, in handling). The server runs
 * with --test-clock.
 */
async function busyScene(srv, admin) {
  const spots = await Promise.all([50, 7, 20, 33, 12, 60].map((g) => inside(srv, g)));
  const at = (i) => ({ lon: spots[i][0], lat: spots[i][1] });
  const fire = await report(srv, admin, { category: 'SJ-04-01', location: at(0), description: '楼道里有烟' });
  await step(srv, admin, fire, { action: 'file', version: fire.version });
  const rubbish = await report(srv, admin, { category: 'SJ-01-01', location: at(1), description: '暴露垃圾' });
  let r = await step(srv, admin, rubbish, { action: 'file', version: rubbish.version });
  const proposal = (await request(srv.url, 'GET', `/api/v1/cases/${r.id}/proposal`, undefined, admin.headers)).body;
  r = await step(srv, admin, r, { action: 'dispatch', version: r.version, units: proposal });
  await step(srv, admin, r, { action: 'accept', version: r.version });
  const lamp = await report(srv, admin, { category: 'BJ-02-01', location: at(2), description: '路灯不亮', source: 'patrol' });
  const parking = await report(srv, admin, { category: 'SJ-05-02', location: at(3), description: '违章停车堵住消防通道' });
  await step(srv, admin, parking, { action: 'file', version: parking.version });
  const now = Math.floor(Date.now() / 1000);
  assert.equal((await request(srv.url, 'PUT', '/api/v1/test-clock', { now: now + 3 * 3600 }, admin.headers)).status, 204);
  const gas = await report(srv, admin, { category: 'SJ-04-02', location: at(4), description: '闻到燃气味' });
  await step(srv, admin, gas, { action: 'file', version: gas.version });
  const noise = await report(srv, admin, { category: 'FW-05-01', location: at(5), description: '邻里噪音纠纷', source: 'visit' });
  // The sweep (once a second) has recorded the fire overdue.
  await eventually(
    async () => (await request(srv.url, 'GET', `/api/v1/cases/${fire.id}`, undefined, admin.headers)).body.overdue_recorded,
    true,
    { what: 'the fire’s overdue_recorded' },
  );
  return { fire, rubbish, lamp, parking, gas, noise, spots };
}

/** The newest step number the server has (GET /case-events). */
async function lastSeq(srv, session) {
  const steps = (await request(srv.url, 'GET', '/api/v1/case-events?after=0&limit=5000', undefined, session.headers)).body;
  return steps.length ? steps[steps.length - 1].seq : 0;
}

/**
 * A TCP proxy in front of a server, for the page to go through: `drop()` cuts
 * every open connection (the page's event stream among them) and refuses new
 * ones until `restore()`, so the browser's EventSource loses its connection
 * and keeps trying again by itself. `feeds()` lists, for each connection that
 * carried GET /api/v1/events, the event ids (`id:` lines) it brought, in order.
 */
async function tcpProxy(base) {
  const target = new URL(base);
  const pairs = new Set();
  const streams = [];
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair = [client, upstream];
    pairs.add(pair);
    let feed = null;
    client.on('data', (d) => {
      if (!feed && /GET \/api\/v1\/events[ ?]/.test(d.toString('latin1'))) {
        feed = { text: '' };
        streams.push(feed);
      }
    });
    upstream.on('data', (d) => {
      if (feed) feed.text += d.toString('utf8');
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const s of pair) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    drop() {
      refusing = true;
      for (const pair of pairs) for (const s of pair) s.destroy();
    },
    restore() {
      refusing = false;
    },
    feeds() {
      return streams.map((f) => [...f.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])));
    },
    async close() {
      refusing = true;
      for (const pair of pairs) for (const s of pair) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * How long the tests wait for a live update. The product's target is a second
 * (issue 12); on a loaded test machine (two browser files at a time, a cold CI
 * runner) a wait of exactly a second fails for reasons that are not the product's,
 * so the tests wait longer and print what they measured (`t.diagnostic`); the
 * target itself is measured in BENCHMARKS.md (SSE delivery p99).
 */
const LIVE_MS = 5_000;

describe('the command center', () => {
  test('a citizen’s report through Open311 (GeoReport v2, form-encoded) appears on the operator’s board and map live, without a reload (the delay printed), changes in place and leaves once finished', async (t) => {
    const { srv, page, errors, admin } = await fresh(t, 'operator');
    const [lon, lat] = await inside(srv, 50);
    const first = await report(srv, admin, { category: 'SJ-01-01', location: { lon, lat }, description: '早上的暴露垃圾' });
    await openCommand(page, srv);
    await row(page, first.number).waitFor();
    // Not a reload: a mark left on the window survives every update below.
    await page.evaluate(() => (window.__notReloaded = true));
    assert.equal(await page.locator('#cmd-live').getAttribute('data-state'), 'on');
    assert.match(await page.locator('#cmd-live').innerText(), /实时更新中/);

    // A citizen reports through Open311 (the citizens' app, with its API key): the board has it at once (the target: within a second).
    const key = await citizenKey(srv, admin);
    const [lon2, lat2] = await inside(srv, 7);
    // The map where it will be, close enough for the cases' own points (from zoom 15).
    await page.evaluate(([lon, lat]) => window.__gridd.map.jumpTo({ center: [lon, lat], zoom: 16 }), [lon2, lat2]);
    await mapIdle(page);
    const t0 = Date.now();
    // On the map too, within the second: a new point of the case tiles (the source is fetched again on the event).
    const drawn = page
      .waitForFunction(
        (old) =>
          window.__gridd.map
            .querySourceFeatures('cases', { sourceLayer: 'cases' })
            .find((f) => f.properties.cluster !== true && f.properties.number !== old)?.properties.number,
        first.number,
        { timeout: LIVE_MS, polling: 20 },
      )
      .then(async (h) => ({ number: await h.jsonValue(), after: Date.now() - t0 }));
    const number = await citizenReport(srv, {
      api_key: key,
      service_code: 'BJ-01-01',
      lat: String(lat2),
      long: String(lon2),
      address_string: '示范路 7 号',
      description: '井盖缺失，有人差点摔倒',
      first_name: '四',
      last_name: '李',
      phone: '13912345678',
      'attribute[urgency]': 'normal',
    });
    await row(page, number).waitFor({ timeout: LIVE_MS });
    t.diagnostic(`the new case was on the board ${Date.now() - t0} ms after the report was sent`);
    // The service_request_id is the case's number: the case came in from Open311, placed and with its reporter.
    const second = await caseByNumber(srv, admin, number);
    assert.equal(second.source, 'open311');
    assert.equal(second.category, 'BJ-01-01');
    assert.deepEqual(second.reporter, { name: '李四', phone: '13912345678' });
    assert.ok(second.grid_path.includes(7), `placed in grid 7: ${second.grid_path}`);
    // Newest first, with its number, category, stage and grid.
    const numbers = await page.locator('#case-list .cmd-item').evaluateAll((ls) => ls.map((l) => l.dataset.number));
    assert.deepEqual(numbers, [second.number, first.number]);
    const text = await row(page, second.number).innerText();
    for (const want of [second.number, '井盖破损或缺失', '信息收集', '待立案'])
      assert.ok(text.includes(want), `the row says ${want}: ${text}`);
    const onMap = await drawn;
    assert.equal(onMap.number, second.number);
    t.diagnostic(`the new case was on the map ${onMap.after} ms after the report was sent`);
    // Its number is a label (a symbol layer over the served glyphs). Symbols are placed over a few frames
    // after the tiles are in (slower on a busy machine), so the placement is waited for.
    await mapIdle(page);
    const labelled = await page
      .waitForFunction(
        (n) => window.__gridd.map.queryRenderedFeatures({ layers: ['cases-label'] }).some((f) => f.properties.number === n),
        second.number,
        { timeout: LIVE_MS, polling: 50 },
      )
      .then(
        () => true,
        () => false,
      );
    const labels = await page.evaluate(() =>
      window.__gridd.map.queryRenderedFeatures({ layers: ['cases-label'] }).map((f) => f.properties.number),
    );
    assert.ok(labelled, `the label of ${second.number} is drawn: ${labels}`);
    assert.match(await page.locator('[data-counter="open"] .cmd-counter-value').innerText(), /^2$/);
    await page.waitForFunction(() => document.querySelector('[data-counter="today"] .cmd-counter-value')?.textContent === '2');

    // A step elsewhere changes the row in place (stage, deadline).
    await step(srv, admin, second, { action: 'file', version: second.version, note: '立案' });
    await page.locator(`#case-list .cmd-item[data-number="${second.number}"][data-stage="filed"]`).waitFor({ timeout: LIVE_MS });
    assert.match(await row(page, second.number).innerText(), /案卷建立[\s\S]*剩余/);

    // A case refused elsewhere leaves the open list (and the map).
    await step(srv, admin, first, { action: 'refuse', version: first.version, reason: '重复上报' });
    await row(page, first.number).waitFor({ state: 'detached', timeout: LIVE_MS });
    await page.waitForFunction(
      (n) => !window.__gridd.map.querySourceFeatures('cases', { sourceLayer: 'cases' }).some((f) => f.properties.number === n),
      first.number,
    );
    assert.equal(await mapCaseDue(page, second), 'ok', 'the other case is still drawn (filed: a deadline, not near)');
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
    // It is the citizens' (市民上报), not the hotline's.
    await page.locator('#board-source').selectOption('open311');
    assert.equal(await page.locator('#case-list .cmd-item').count(), 1);
    await page.locator('#board-source').selectOption('hotline');
    assert.equal(await page.locator('#case-list .cmd-item').count(), 0);
    await page.locator('#board-clear').click();

    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was never reloaded');
    assert.deepEqual(errors, []);
  });

  test('the operator opens a case from the map, files it and dispatches it to the proposed units; the stage and the history follow, and the unit’s own view shows it', async (t) => {
    const { srv, page, errors, admin, another } = await fresh(t, 'operator');
    const [lon, lat] = await inside(srv, 50);
    const c = await report(srv, admin, {
      category: 'SJ-01-01',
      location: { lon, lat },
      description: '小区门口暴露垃圾',
      reporter: { name: '张三', phone: '13812345678' },
    });
    await openCommand(page, srv);
    await row(page, c.number).waitFor();

    // The unit the proposal names first among departments acts through the demo's department account
    // (its member, set up as an admin would); that account sees only the cases dispatched to its units.
    const proposed = (await request(srv.url, 'GET', `/api/v1/cases/${c.id}/proposal`, undefined, admin.headers)).body;
    const dept = proposed.find((u) => u.kind === 'department');
    assert.ok(dept, `the proposal names a department: ${JSON.stringify(proposed)}`);
    const unitsPath = `/api/v1/subdistricts/${c.subdistrict_id}/case-units`;
    const units = (await request(srv.url, 'GET', unitsPath, undefined, admin.headers)).body;
    const withMember = units.map((u) => (u.code === dept.code ? { ...u, members: [...u.members, 'department'] } : u));
    assert.equal((await request(srv.url, 'PUT', unitsPath, withMember, admin.headers)).status, 200);
    const unit = await another('department');
    await openCommand(unit.page, srv);
    assert.equal(await row(unit.page, c.number).count(), 0, 'not dispatched yet: not in the unit’s view');

    // Alone, it is a point at any zoom (not a cluster of one).
    assert.equal((await mapCasePoint(page, c))?.id, c.id);
    // A click on its point opens the drawer at the case's address.
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
    await page.locator('#timeline li[data-kind="escalate"]').waitFor({ timeout: LIVE_MS });
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

    // The unit's view (the department's own page, open all along): the dispatched case arrives live, on its
    // board and its map, and the unit may accept it and report the result — nothing of the operator's steps.
    await unit.page.locator(`#case-list .cmd-item[data-number="${c.number}"][data-stage="dispatched"]`).waitFor({ timeout: LIVE_MS });
    assert.match(await row(unit.page, c.number).innerText(), /任务派遣/);
    assert.equal((await mapCasePoint(unit.page, c))?.id, c.id, 'the case is on the unit’s map');
    await unit.page.locator(`#case-list .cmd-item[data-number="${c.number}"] a`).click();
    await unit.page.waitForFunction((n) => window.__gridd.command().drawer.number === n && window.__gridd.command().drawer.steps, c.number);
    assert.equal(await unit.page.locator('#case-facts [data-field="stage"]').innerText(), '任务派遣');
    assert.deepEqual(await unit.page.locator('#action-buttons button').evaluateAll((bs) => bs.map((b) => b.dataset.action)), [
      'accept',
      'report_result',
    ]);
    // The department may not read reporters: masked, as the server sends them.
    assert.doesNotMatch(await unit.page.locator('#case-facts [data-field="reporter"]').innerText(), /13812345678/);
    await screenshot(unit.page, 'command/02-dispatched-unit');
    assert.deepEqual(unit.errors, []);

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
    await row(page, laterMine.number).waitFor({ timeout: LIVE_MS });
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
    await page.locator('#case-drawer[data-stage="dispatched"]').waitFor({ timeout: LIVE_MS });
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
    // On the map: red with a pulse, orange (the colour the dot layer evaluates for each point).
    const colourOf = async (c) => {
      const f = await mapCasePoint(page, c);
      return f && [f.properties.due, f.color];
    };
    assert.deepEqual(await colourOf(fire), ['overdue', '#d92d20']);
    assert.deepEqual(await colourOf(gas), ['near', '#f79009']);
    // The pulse: a circle layer of the overdue cases (clusters holding one below zoom 15), animated in paint.
    const pulse = () =>
      page.evaluate(() => ({
        n: window.__gridd.command().pulsing,
        r: window.__gridd.map.getPaintProperty('cases-pulse', 'circle-radius'),
      }));
    const radii = new Set();
    assert.equal((await pulse()).n, 1, 'one case pulses');
    for (let i = 0; i < 100; i++) {
      radii.add((await pulse()).r);
      await new Promise((r) => setTimeout(r, 15));
    }
    assert.ok(radii.size > 1, `the pulse moves: ${[...radii]}`);
    assert.equal(await page.locator('.maplibregl-marker').count(), 0, 'no HTML markers');
    // The pulse sits on the case.
    const view = await page.evaluate(() => ({ center: window.__gridd.map.getCenter(), zoom: window.__gridd.map.getZoom() }));
    await page.evaluate(([lon, lat]) => window.__gridd.map.jumpTo({ center: [lon, lat], zoom: 16 }), [fire.lon, fire.lat]);
    await mapIdle(page);
    const spot = await screenOf(page, [fire.lon, fire.lat]);
    const ring = await page.evaluate(() =>
      window.__gridd.map.queryRenderedFeatures({ layers: ['cases-pulse'] }).map((f) => [f.properties.number, f.geometry.coordinates]),
    );
    assert.equal(ring.length, 1);
    assert.equal(ring[0][0], fire.number);
    const ringAt = await screenOf(page, ring[0][1]);
    assert.ok(
      Math.abs(ringAt.x - spot.x) < 3 && Math.abs(ringAt.y - spot.y) < 3,
      `the pulse is at the case: ${JSON.stringify(ringAt)} vs ${JSON.stringify(spot)}`,
    );
    // Far out the cases are clusters: sized by count, the count on them, red with the overdue fire in; a click zooms in.
    await page.evaluate(([lon, lat]) => window.__gridd.map.jumpTo({ center: [lon, lat], zoom: 11 }), [fire.lon, fire.lat]);
    await mapIdle(page);
    const clusters = await page.evaluate(() =>
      window.__gridd.map
        .queryRenderedFeatures({ layers: ['cases-cluster'] })
        .map((f) => ({ count: f.properties.count, overdue: f.properties.overdue, due: f.properties.due, at: f.geometry.coordinates })),
    );
    assert.ok(clusters.length >= 1, 'clusters at zoom 11');
    const big = clusters.sort((a, b) => b.count - a.count)[0];
    assert.ok(big.count >= 2, `a cluster of ${big.count}`);
    assert.ok(
      clusters.some((c) => c.overdue === 1 && c.due === 'overdue'),
      `the fire's cluster is overdue: ${JSON.stringify(clusters)}`,
    );
    const counts = await page.evaluate(() =>
      window.__gridd.map.queryRenderedFeatures({ layers: ['cases-cluster-count'] }).map((f) => f.properties.count),
    );
    assert.ok(counts.includes(big.count), `the count ${big.count} is a label: ${counts}`);
    await clickLngLat(page, big.at);
    await page.waitForFunction(() => window.__gridd.map.getZoom() > 12);
    await page.evaluate((v) => window.__gridd.map.jumpTo(v), view);
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

  test('the wall mode (大屏): full screen from the page’s button, large counters and no controls; the views in turn every `rotate` seconds; live; English; Esc and the exit button leave it; screenshot at 1920×1080', async (t) => {
    const { srv, page, errors, admin } = await fresh(t, 'operator', { size: { width: 1920, height: 1080 }, args: ['--test-clock'] });
    const { fire, gas, spots } = await busyScene(srv, admin);
    await openCommand(page, srv);
    await page.evaluate(() => (window.__notReloaded = true));
    const wall = page.locator('#wall');
    const counter = (key) => page.locator(`#wall [data-counter="${key}"] .wall-counter-value`);

    // The page's button asks for full screen (the click allows it) and goes to the wall's address.
    assert.equal(await page.locator('#wall-start').innerText(), '大屏模式');
    await page.locator('#wall-start').click();
    await wall.waitFor();
    await page.waitForFunction(() => /^#\/command\?(map=[^&]+&)?wall=1$/.test(location.hash));
    await page.waitForFunction(() => document.fullscreenElement === document.documentElement);
    assert.equal(await wall.getAttribute('data-view'), 'map');
    assert.equal(await wall.getAttribute('data-rotate'), '20', 'a view stays 20 s by default');
    assert.equal(await page.locator('#wall-title').innerText(), '指挥中心大屏');
    // No controls: no navigation, board, filters, forms, drawer or report button; only the small wall buttons.
    for (const sel of [
      '#topbar',
      '#nav-list',
      '#case-board',
      '#board-filters',
      '#case-list',
      '#report-start',
      '#wall-start',
      '#cmd-analysis',
      '#case-drawer',
    ])
      assert.equal(await page.locator(sel).isVisible(), false, `${sel} is not shown on the wall`);
    // What can be used on the wall (the map's attribution aside): the language and the exit (full screen is on).
    const usable = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('#wall :is(input, select, textarea, button, a)')]
          .filter((e) => e.checkVisibility({ visibilityProperty: true }) && !e.closest('.maplibregl-ctrl-attrib'))
          .map((e) => e.id || e.tagName.toLowerCase()),
      );
    assert.deepEqual(await usable(), ['wall-lang', 'wall-exit']);
    // The counters, in large type.
    await page.waitForFunction(() => document.querySelector('#wall [data-counter="overdue"] .wall-counter-value')?.textContent === '1');
    assert.equal(await counter('open').innerText(), '6');
    assert.match(await page.locator('#wall [data-counter="open"] .wall-counter-label').innerText(), /在办案件/);
    assert.equal(await page.locator('#wall [data-counter="overdue"]').evaluate((e) => e.classList.contains('warn')), true);
    const px = (sel) =>
      page
        .locator(sel)
        .first()
        .evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    assert.ok((await px('#wall .wall-counter-value')) >= 64, `counters in ${await px('#wall .wall-counter-value')} px`);
    assert.ok((await px('#wall .wall-counter-label')) >= 20, `labels in ${await px('#wall .wall-counter-label')} px`);
    // The page's map is on the wall, with the open cases.
    assert.equal(await page.locator('#wall .wall-map-slot #map').count(), 1);
    assert.equal(await mapCaseDue(page, fire), 'overdue');
    assert.equal(await mapCaseDue(page, gas), 'near');

    // Escape leaves it: full screen ends, the page is back as it was, the map in its place.
    await page.keyboard.press('Escape');
    await wall.waitFor({ state: 'detached' });
    await page.waitForFunction(() => !document.fullscreenElement && !/wall=/.test(location.hash));
    await page.locator('#case-board').waitFor();
    assert.equal(await page.locator('#topbar').isVisible(), true);
    assert.equal(await page.locator('.cmd-body .cmd-map #map').count(), 1);
    await row(page, fire.number).waitFor();

    // Opened by its address (a wall PC): it fills the window without full screen; a view stays `rotate` seconds.
    const asked = Date.now();
    await page.evaluate(() => (location.hash = '#/command?wall=1&rotate=2'));
    await page.locator('#wall[data-view="map"][data-rotate="2"]').waitFor();
    assert.equal(await page.evaluate(() => !!document.fullscreenElement), false);
    assert.deepEqual(await usable(), ['wall-fullscreen', 'wall-lang', 'wall-exit']);
    const box = await wall.boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 1920, 1080]);
    await page.locator('#wall[data-view="overdue"]').waitFor({ timeout: 5000 });
    const took = Date.now() - asked;
    assert.ok(took >= 1900 && took <= 6000, `the next view came ${took} ms after the wall was asked for`);
    // Shown as it fades in (0.4 s; a busy wall PC may take a frame or two to start it).
    await page.locator('.wall-view-overdue').waitFor({ state: 'visible', timeout: LIVE_MS });
    // The map's view fades out (and keeps its size for when it comes round again).
    await page.locator('.wall-view-map').waitFor({ state: 'hidden', timeout: LIVE_MS });
    // The overdue list: the fire (overdue), then the gas leak (near its deadline).
    const listed = await page
      .locator('#wall-overdue tr[data-number]')
      .evaluateAll((rs) => rs.map((r) => [r.dataset.number, r.dataset.due]));
    assert.deepEqual(listed, [
      [fire.number, 'overdue'],
      [gas.number, 'near'],
    ]);
    assert.match(await page.locator(`#wall-overdue tr[data-number="${fire.number}"]`).innerText(), /火情[\s\S]*超期/);
    await page.locator('#wall[data-view="grids"]').waitFor({ timeout: 10000 });
    // By grid: every L1 grid, open and overdue; today's intake read from the API.
    const fireL1 = fire.grid_path[0];
    const l1 = page.locator(`#wall-grids-l1 tr[data-grid="${fireL1}"]`);
    await l1.waitFor();
    assert.equal(await page.locator('#wall-grids-l1 tbody tr').count(), 6, 'the six L1 grids of the demo');
    await page.waitForFunction(
      (id) => document.querySelector(`#wall-grids-l1 tr[data-grid="${id}"] [data-col="today"]`)?.textContent !== '—',
      fireL1,
    );
    assert.equal(await l1.locator('[data-col="overdue"]').innerText(), '1');
    assert.ok(Number(await l1.locator('[data-col="open"]').innerText()) >= 1);
    assert.equal(await page.locator(`#wall-grids-l2 tr[data-grid="${fire.grid_path[1]}"] [data-col="overdue"]`).innerText(), '1');
    // And round again to the map. The checks above may outlast the grids' 2 s and the map's
    // too on a busy machine, so wait up to a whole turn (3 views × 2 s) and more.
    await page.locator('#wall[data-view="map"]').waitFor({ timeout: 10000 });

    // Live: a case reported elsewhere is counted and listed at once, on whatever view.
    const newCase = await report(srv, admin, {
      category: 'SJ-01-01',
      location: { lon: spots[2][0], lat: spots[2][1] },
      description: '又一堆垃圾',
    });
    await page.waitForFunction(() => document.querySelector('#wall [data-counter="open"] .wall-counter-value')?.textContent === '7', null, {
      timeout: LIVE_MS,
    });
    // Drawn with the counters (the same pass): among the newest reports in the foot.
    await page.locator(`#wall-latest li[data-number="${newCase.number}"]`).waitFor();
    assert.equal(await page.locator('#wall-latest li').first().getAttribute('data-number'), newCase.number);
    await eventually(() => mapCaseDue(page, newCase), 'none', { what: 'the new case on the map' });

    // Still (rotate=0), turned by the arrow keys: the screenshots of the three views.
    await page.evaluate(() => (location.hash = '#/command?wall=1&rotate=0'));
    await page.locator('#wall[data-rotate="0"]').waitFor();
    while ((await wall.getAttribute('data-view')) !== 'map') await page.keyboard.press('ArrowRight');
    await mapIdle(page);
    await page.waitForTimeout(500); // the view's fade
    await screenshot(page, 'command-wall-1920x1080');
    await page.keyboard.press('ArrowRight');
    await page.locator('#wall[data-view="overdue"]').waitFor();
    await page.waitForTimeout(500);
    await screenshot(page, 'command/wall-overdue-1920x1080');
    await page.keyboard.press('ArrowRight');
    await page.locator('#wall[data-view="grids"]').waitFor();
    await page.waitForTimeout(500);
    await screenshot(page, 'command/wall-grids-1920x1080');

    // English, by the wall's language button (the same switch as the app's).
    await page.locator('#wall-lang').click();
    await page.locator('#wall-title').filter({ hasText: 'Command center wall' }).waitFor();
    assert.match(await page.locator('#wall-counters').innerText(), /Open cases[\s\S]*Overdue/);
    assert.match(await page.locator('#wall-grids').innerText(), /L1 grids/);
    await page.locator('#wall-lang').click();
    await page.locator('#wall-title').filter({ hasText: '指挥中心大屏' }).waitFor();

    // The small exit button leaves it too.
    await page.locator('#wall-exit').click();
    await wall.waitFor({ state: 'detached' });
    await page.locator('#board-filters').waitFor();
    await row(page, newCase.number).waitFor();
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was never reloaded');
    assert.deepEqual(errors, []);
  });

  test('with the page open, a filed case whose deadline passes (the test clock moved) turns overdue on the board and the map without a reload', async (t) => {
    const { srv, page, errors, admin } = await fresh(t, 'operator', { args: ['--test-clock'] });
    const [lon, lat] = await inside(srv, 50);
    const [lon2, lat2] = await inside(srv, 7);
    const fire = await step(
      srv,
      admin,
      await report(srv, admin, { category: 'SJ-04-01', location: { lon, lat }, description: '楼道里有烟' }),
      {
        action: 'file',
        version: 1,
      },
    );
    const rubbish = await step(
      srv,
      admin,
      await report(srv, admin, { category: 'SJ-01-01', location: { lon: lon2, lat: lat2 }, description: '暴露垃圾' }),
      {
        action: 'file',
        version: 1,
      },
    );
    assert.ok(fire.deadline && rubbish.deadline > fire.deadline, 'the fire is due first');
    // The page's own tick (30 s from now) would redraw it too: the test is done well before.
    const opened = Date.now();
    await openCommand(page, srv);
    await page.evaluate(() => (window.__notReloaded = true));
    await page.locator(`#case-list .cmd-item[data-number="${fire.number}"][data-due="near"]`).waitFor();
    assert.equal(await mapCaseDue(page, fire), 'near');
    assert.equal(await page.locator('[data-counter="overdue"] .cmd-counter-value').innerText(), '0');
    assert.equal(await page.evaluate(() => window.__gridd.command().pulsing), 0);

    // The server's clock passes the fire's deadline: its sweep records an `overdue` step, published on the feed.
    const t0 = Date.now();
    assert.equal((await request(srv.url, 'PUT', '/api/v1/test-clock', { now: fire.deadline + 60 }, admin.headers)).status, 204);
    await page.locator(`#case-list .cmd-item[data-number="${fire.number}"][data-due="overdue"]`).waitFor({ timeout: 10_000 });
    const took = Date.now() - t0;
    assert.ok(took < 10_000, `overdue on the board after ${took} ms`);
    assert.ok(Date.now() - opened < 29_000, 'before the page’s own 30 s tick');
    assert.match(await row(page, fire.number).innerText(), /超期/);
    await eventually(() => mapCaseDue(page, fire), 'overdue', { what: 'the fire on the map' });
    await page.waitForFunction(() => document.querySelector('[data-counter="overdue"] .cmd-counter-value')?.textContent === '1');
    await eventually(() => page.evaluate(() => window.__gridd.command().pulsing), 1, { what: 'the pulses' });
    // Only the fire: the rubbish is not due yet.
    assert.notEqual(await row(page, rubbish.number).getAttribute('data-due'), 'overdue');
    assert.notEqual(await mapCaseDue(page, rubbish), null, 'the rubbish is on the map');
    assert.notEqual(await mapCaseDue(page, rubbish), 'overdue');
    const history = (await request(srv.url, 'GET', `/api/v1/cases/${fire.id}/history`, undefined, admin.headers)).body;
    assert.ok(
      history.some((s) => s.kind === 'overdue' && s.actor === 'system'),
      'the sweep recorded it',
    );
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was never reloaded');
    assert.deepEqual(errors, []);
  });

  test('a dropped feed reconnects by itself with Last-Event-ID and replays what was missed: on the board with their stages, none twice, the list not read again', async (t) => {
    const { srv, page, errors, admin } = await fresh(t, null);
    const proxy = await tcpProxy(srv.url);
    t.after(() => proxy.close());
    await signIn(page, proxy.url, 'operator');
    const spots = await Promise.all([50, 7, 20, 33].map((g) => inside(srv, g)));
    const at = (i) => ({ lon: spots[i][0], lat: spots[i][1] });
    const a = await report(srv, admin, { category: 'SJ-01-01', location: at(0), description: '甲：暴露垃圾' });
    await openCommand(page, { url: proxy.url });
    await page.evaluate(() => (window.__notReloaded = true));
    await row(page, a.number).waitFor();
    // One event seen live, so the feed has an id to resume after.
    const b = await report(srv, admin, { category: 'BJ-02-01', location: at(1), description: '乙：路灯不亮' });
    await row(page, b.number).waitFor();
    const seen = await lastSeq(srv, admin);

    const feeds = [];
    const lists = [];
    page.on('request', async (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/v1/events') feeds.push((await r.allHeaders())['last-event-id'] ?? null);
      if (u.pathname === '/api/v1/cases' && u.searchParams.get('open') === 'true') lists.push(r.url());
    });
    // The connection drops (and stays down a while): the browser keeps trying again by itself.
    const before = proxy.feeds().length;
    proxy.drop();
    await page.waitForFunction(() => window.__gridd.command().live === 'off');
    assert.match(await page.locator('#cmd-live').innerText(), /实时更新已断开/);
    // Meanwhile: two new cases, steps on known ones, one leaves the open list.
    const c = await report(srv, admin, { category: 'SJ-05-02', location: at(2), description: '丙：违章停车' });
    const aFiled = await step(srv, admin, a, { action: 'file', version: a.version });
    const cFiled = await step(srv, admin, c, { action: 'file', version: c.version });
    const proposal = (await request(srv.url, 'GET', `/api/v1/cases/${a.id}/proposal`, undefined, admin.headers)).body;
    const aSent = await step(srv, admin, aFiled, { action: 'dispatch', version: aFiled.version, units: proposal });
    await step(srv, admin, b, { action: 'refuse', version: b.version, reason: '重复上报' });
    const d = await report(srv, admin, { category: 'FW-05-01', location: at(3), description: '丁：噪音', source: 'visit' });
    const missed = (await request(srv.url, 'GET', `/api/v1/case-events?after=${seen}`, undefined, admin.headers)).body.map((s) => s.seq);
    assert.equal(missed.length, 6);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await page.evaluate(() => window.__gridd.command().live), 'off', 'still cut off');
    assert.equal(await row(page, c.number).count(), 0, 'nothing came meanwhile');

    proxy.restore();
    await page.waitForFunction(() => window.__gridd.command().live === 'on', null, { timeout: 10_000 });
    await page.locator(`#case-list .cmd-item[data-number="${a.number}"][data-stage="dispatched"]`).waitFor({ timeout: 5000 });
    await page.locator(`#case-list .cmd-item[data-number="${c.number}"][data-stage="filed"]`).waitFor({ timeout: 5000 });
    await page.locator(`#case-list .cmd-item[data-number="${d.number}"][data-stage="reported"]`).waitFor({ timeout: 5000 });
    await row(page, b.number).waitFor({ state: 'detached', timeout: 5000 });
    // The browser's reconnection said where it stopped; the server sent each missed step once, in order.
    assert.ok(feeds.includes(String(seen)), `a reconnection sent Last-Event-ID ${seen}: ${JSON.stringify(feeds)}`);
    const resumed = proxy
      .feeds()
      .slice(before)
      .filter((ids) => ids.length);
    assert.deepEqual(resumed, [missed], 'the resumed stream carried each missed step once');
    // On the board: each case once, at the stage and version the server has; the list was not read again.
    const want = new Map([
      [aSent.number, ['dispatched', aSent.version]],
      [cFiled.number, ['filed', cFiled.version]],
      [d.number, ['reported', d.version]],
    ]);
    const state = await page.evaluate(() => window.__gridd.command());
    assert.deepEqual(
      state.cases.map((x) => [x.number, x.stage, x.version]).sort(),
      [...want].map(([n, [stage, v]]) => [n, stage, v]).sort(),
    );
    const shown = await page.locator('#case-list .cmd-item').evaluateAll((ls) => ls.map((l) => l.dataset.number));
    assert.deepEqual([...shown].sort(), [...want.keys()].sort(), 'each case on the board once');
    assert.equal(await page.locator('[data-counter="open"] .cmd-counter-value').innerText(), '3');
    assert.deepEqual(lists, [], 'the open list was not read again');
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was never reloaded');
    assert.deepEqual(errors, []);
  });
});
