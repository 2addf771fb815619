// Browser tests of the command center's case board (issue 12): the filters by
// grid subtree, unit and time (reported today / in the last 7 or 30 days,
// Asia/Shanghai days by the server's clock, moved with --test-clock), an
// order (oldest first, deadline soonest), and the map's clusters filtered by
// the server (the case tiles take the board's filters: a cluster counts only
// what passes; the text search is not one of them). All without a reload.
// Each test starts its own gridd; cases are made behind the page's back
// through the API as the demo admin.
//   GRIDD_BIN=target/debug/gridd node --test web/e2e/command-board.test.mjs
// The setup helpers are copies of command.test.mjs's (fresh, report, step,
// inside, openCommand, row).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { apiSession, closeBrowser, interiorPoint, launch, mapIdle, request, signIn, startGridd } from './browser.mjs';

after(() => closeBrowser());

/**
 * A private gridd and a page signed in as `who`; both end with the test. The
 * case tiles the page asks for are recorded (`tiles`: address and status), so
 * a refused filter (422) fails the test.
 */
async function fresh(t, who, { size, args = [] } = {}) {
  const srv = await startGridd({ args });
  const b = await launch(size);
  t.after(async () => {
    await b.close();
    await srv.stop();
  });
  b.page.setDefaultTimeout(15_000);
  const tiles = [];
  b.page.on('response', (res) => {
    if (res.url().includes('/api/v1/case-tiles/')) tiles.push({ url: res.url(), status: res.status() });
  });
  if (who) await signIn(b.page, srv.url, who);
  const admin = await apiSession(srv.url, 'admin');
  return { srv, page: b.page, errors: b.errors, admin, tiles };
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

/** Open the command center and wait until the board is loaded, the live feed open and the server's clock known. */
async function openCommand(page, srv, hash = '#/command') {
  await page.goto(`${srv.url}/${hash}`);
  await page.waitForFunction(() => {
    const c = window.__gridd?.command?.();
    // The counters are read once the list is: their evaluation gives the server's clock (the time filter's "now").
    return c && c.loaded && c.live === 'on' && c.counts.today !== null;
  });
  await page.waitForFunction(() => !!window.__gridd.map);
  await mapIdle(page);
}

const row = (page, number) => page.locator(`#case-list .cmd-item[data-number="${number}"]`);
/** The numbers on the board, in its order. */
const shown = (page) => page.locator('#case-list .cmd-item').evaluateAll((ls) => ls.map((l) => l.dataset.number));
const sorted = (list) => [...list].sort();

/** Asia/Shanghai midnight of the day a Unix time falls on (UTC+8 all year). */
const shanghaiMidnight = (unix) => {
  const local = unix + 8 * 3600;
  return local - (local % 86400) - 8 * 3600;
};

/** The clusters of the case tiles the map has loaded (`count` each), read from the source. */
const clusterCounts = (page) =>
  page.evaluate(() =>
    window.__gridd.map
      .querySourceFeatures('cases', { sourceLayer: 'cases' })
      .filter((f) => f.properties.cluster === true)
      .map((f) => f.properties.count),
  );

describe('the case board: grid, unit and time filters, orders, filtered clusters', () => {
  test('the grid subtree, unit and time filters narrow the board and the tiles; oldest first and deadline soonest reorder it', async (t) => {
    const { srv, page, errors, admin, tiles } = await fresh(t, 'operator', { args: ['--test-clock'] });
    // Grids 7 and 8 are in the L1 community 1, grid 20 in the L1 community 2.
    const [in7, in8, in20] = await Promise.all([7, 8, 20].map((g) => inside(srv, g)));
    const at = ([lon, lat]) => ({ lon, lat });
    // Reported now: an old case once the clock has moved on.
    const old = await report(srv, admin, { category: 'SJ-01-01', location: at(in7), description: '旧案件' });
    // Ten days later (noon in Shanghai, far from a day's edge).
    const later = shanghaiMidnight(Math.floor(Date.now() / 1000) + 10 * 86400) + 12 * 3600;
    assert.equal((await request(srv.url, 'PUT', '/api/v1/test-clock', { now: later }, admin.headers)).status, 204);
    // Filed and dispatched to a department (城市管理中队).
    let a = await report(srv, admin, { category: 'SJ-01-01', location: at(in7), description: '暴露垃圾' });
    a = await step(srv, admin, a, { action: 'file', version: a.version });
    a = await step(srv, admin, a, { action: 'dispatch', version: a.version, units: [{ kind: 'department', code: 'urban_management' }] });
    // Filed in the other community, another category.
    let b = await report(srv, admin, { category: 'BJ-02-01', location: at(in20), description: '路灯不亮' });
    b = await step(srv, admin, b, { action: 'file', version: b.version });
    // Only reported (no deadline yet), in grid 8.
    const c = await report(srv, admin, { category: 'BJ-02-01', location: at(in8), description: '井盖松动' });
    assert.deepEqual(
      [old, a, b, c].map((x) => x.grid_path[0]),
      [1, 1, 2, 1],
      'the cases lie in the communities 1, 1, 2, 1',
    );
    assert.ok(a.units.some((u) => u.kind === 'department' && u.code === 'urban_management'));
    assert.ok(a.deadline && b.deadline && !c.deadline, 'a and b are filed (a deadline), c is not');

    await openCommand(page, srv);
    await page.evaluate(() => (window.__notReloaded = true));
    for (const x of [old, a, b, c]) await row(page, x.number).waitFor();
    const all = [old, a, b, c].map((x) => x.number);
    // Newest first by default; the same second, the newer id first.
    const newest = [old, a, b, c].sort((x, y) => y.reported_at - x.reported_at || y.id - x.id).map((x) => x.number);
    assert.deepEqual(await shown(page), newest);
    assert.equal(await page.locator('#board-sort').inputValue(), 'newest');

    // The grid filter: the L1 and L2 grids, each L2 indented under its L1.
    const options = await page.locator('#board-grid option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent })));
    const i1 = options.findIndex((o) => o.value === '1');
    const i7 = options.findIndex((o) => o.value === '7');
    const i2 = options.findIndex((o) => o.value === '2');
    assert.ok(i1 > 0 && i7 > i1 && i2 > i7, `L1 1, its L2 7, then L1 2: ${JSON.stringify(options.slice(0, 6))}`);
    assert.match(options[i1].text, /^\S/, 'an L1 is not indented');
    assert.match(options[i7].text, /^\s/, 'an L2 is indented');
    assert.ok(!options.some((o) => o.value === '50'), 'no L3 grid is listed');

    await page.locator('#board-grid').selectOption('1');
    assert.deepEqual(sorted(await shown(page)), sorted([old.number, a.number, c.number]), 'community 1: its three cases');
    await page.locator('#board-grid').selectOption('7');
    assert.deepEqual(sorted(await shown(page)), sorted([old.number, a.number]), 'grid 7: its two');
    // The map asks the server for the tiles of that subtree.
    const gridTiles = page.waitForResponse((r) => /\/case-tiles\/.*[?&]grid=2&v=\d+$/.test(r.url()));
    await page.locator('#board-grid').selectOption('2');
    assert.deepEqual(await shown(page), [b.number], 'community 2: its one');
    assert.ok((await gridTiles).status() < 300, 'the tiles of grid 2 are served');
    assert.deepEqual(await page.evaluate(() => window.__gridd.command().tileFilters), { grid: 2 }, 'the tiles are asked for grid 2');
    await page.locator('#board-grid').selectOption('');
    assert.deepEqual(sorted(await shown(page)), sorted(all));

    // The unit filter: only the case dispatched to 城市管理中队.
    const units = await page.locator('#board-unit option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
    assert.ok(
      units.some(([v, n]) => v === 'urban_management' && n === '城市管理中队'),
      `the units are listed by name: ${JSON.stringify(units)}`,
    );
    assert.ok(!units.some(([v]) => v === 'command_center'), 'not the command center itself');
    const unitTiles = page.waitForResponse((r) => /\/case-tiles\/.*[?&]department=urban_management&v=\d+$/.test(r.url()));
    await page.locator('#board-unit').selectOption('urban_management');
    assert.deepEqual(await shown(page), [a.number]);
    assert.ok((await unitTiles).status() < 300, 'the tiles of the unit are served');
    assert.deepEqual(await page.evaluate(() => window.__gridd.command().tileFilters), { department: 'urban_management' });
    await page.locator('#board-unit').selectOption('municipal');
    assert.equal(await page.locator('#case-list .cmd-item').count(), 0);
    assert.match(await page.locator('#case-list').innerText(), /没有符合条件的案件/);
    await page.locator('#board-unit').selectOption('');

    // The time filter, by the server's clock (ten days on): the old case is out of today and of the last 7 days.
    const midnight = shanghaiMidnight(later);
    await page.locator('#board-time').selectOption('today');
    assert.deepEqual(sorted(await shown(page)), sorted([a.number, b.number, c.number]), 'today: not the old case');
    assert.deepEqual(await page.evaluate(() => window.__gridd.command().tileFilters), { since: midnight });
    await page.locator('#board-time').selectOption('7d');
    assert.deepEqual(sorted(await shown(page)), sorted([a.number, b.number, c.number]), 'the last 7 days: not the old case');
    assert.deepEqual(await page.evaluate(() => window.__gridd.command().tileFilters), { since: midnight - 6 * 86400 });
    await page.locator('#board-time').selectOption('30d');
    assert.deepEqual(sorted(await shown(page)), sorted(all), 'the last 30 days: all four');
    // Filters add up: today in community 1.
    await page.locator('#board-time').selectOption('today');
    await page.locator('#board-grid').selectOption('1');
    assert.deepEqual(sorted(await shown(page)), sorted([a.number, c.number]));
    assert.deepEqual(await page.evaluate(() => window.__gridd.command().tileFilters), { grid: 1, since: midnight });
    // 清除筛选 clears them all.
    await page.locator('#board-clear').click();
    assert.deepEqual(await shown(page), newest);
    assert.equal(await page.locator('#board-grid').inputValue(), '');
    assert.equal(await page.locator('#board-time').inputValue(), '');
    assert.deepEqual(await page.evaluate(() => window.__gridd.command().tileFilters), {});

    // Orders: oldest first is newest first reversed; deadline soonest puts the filed cases first, by deadline, then the others by id.
    await page.locator('#board-sort').selectOption('oldest');
    assert.deepEqual(await shown(page), [...newest].reverse());
    await page.locator('#board-sort').selectOption('deadline');
    const byDeadline = [...[a, b].sort((x, y) => x.deadline - y.deadline || x.id - y.id), ...[old, c].sort((x, y) => x.id - y.id)].map(
      (x) => x.number,
    );
    assert.deepEqual(await shown(page), byDeadline);
    // The order is kept through a filter, a clear and a live change.
    await page.locator('#board-grid').selectOption('1');
    assert.deepEqual(
      await shown(page),
      byDeadline.filter((n) => n !== b.number),
    );
    await page.locator('#board-clear').click();
    assert.equal(await page.locator('#board-sort').inputValue(), 'deadline');
    const c2 = await step(srv, admin, c, { action: 'file', version: c.version });
    assert.ok(c2.deadline);
    await page.locator(`#case-list .cmd-item[data-number="${c.number}"][data-stage="filed"]`).waitFor();
    const filed = [a, b, c2].sort((x, y) => x.deadline - y.deadline || x.id - y.id).map((x) => x.number);
    assert.deepEqual(await shown(page), [...filed, old.number], 'c, filed live, takes its place by deadline');

    assert.deepEqual(
      tiles.filter((x) => x.status >= 400),
      [],
      'no case tile was refused',
    );
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was never reloaded');
    assert.deepEqual(errors, []);
  });

  test('at zoom 12 the clusters count only what passes the board’s filters (not the text search)', async (t) => {
    const { srv, page, errors, admin, tiles } = await fresh(t, 'operator');
    // Five cases at one spot (a few cm apart: one cluster cell at every zoom below 15): three of rubbish, two of street lamps.
    const [lon, lat] = await inside(srv, 20);
    const spot = (i) => ({ lon: lon + i * 1e-7, lat });
    const rubbish = [];
    for (let i = 0; i < 3; i++)
      rubbish.push(await report(srv, admin, { category: 'SJ-01-01', location: spot(i), description: `暴露垃圾${i}` }));
    const lamps = [];
    for (let i = 3; i < 5; i++)
      lamps.push(await report(srv, admin, { category: 'BJ-02-01', location: spot(i), description: `路灯不亮${i}` }));
    // One more far away, in another community, of the rubbish: not in the cluster at the spot.
    const [flon, flat] = await inside(srv, 28);
    const far = await report(srv, admin, { category: 'SJ-01-01', location: { lon: flon, lat: flat }, description: '远处的垃圾' });

    await openCommand(page, srv);
    await page.evaluate(() => (window.__notReloaded = true));
    await row(page, far.number).waitFor();
    await page.evaluate(([x, y]) => window.__gridd.map.jumpTo({ center: [x, y], zoom: 12 }), [lon, lat]);
    await mapIdle(page);
    // The cluster at the spot (its place is the mean of its cases; the far case is kilometres away).
    const atSpot = () =>
      page.evaluate(
        ([x, y]) => {
          const m = window.__gridd.map;
          const p = m.project([x, y]);
          return m
            .querySourceFeatures('cases', { sourceLayer: 'cases' })
            .filter((f) => f.properties.cluster === true)
            .filter((f) => {
              const q = m.project(f.geometry.coordinates);
              return Math.hypot(q.x - p.x, q.y - p.y) < 4;
            })
            .map((f) => f.properties.count);
        },
        [lon, lat],
      );
    const spotIs = async (want) => {
      try {
        await page.waitForFunction(
          ([x, y, n]) => {
            const m = window.__gridd.map;
            const p = m.project([x, y]);
            const counts = m
              .querySourceFeatures('cases', { sourceLayer: 'cases' })
              .filter((f) => f.properties.cluster === true)
              .filter((f) => {
                const q = m.project(f.geometry.coordinates);
                return Math.hypot(q.x - p.x, q.y - p.y) < 4;
              })
              .map((f) => f.properties.count);
            return m.areTilesLoaded() && counts.length > 0 && counts.every((c) => c === n);
          },
          [lon, lat, want],
          { timeout: 15_000, polling: 50 },
        );
      } catch {
        assert.fail(`the cluster at the spot counts ${JSON.stringify(await atSpot())}, not ${want}`);
      }
    };
    await spotIs(5);
    // Drawn too: a cluster layer feature with the count as its label.
    const drawn = await page.evaluate(() =>
      window.__gridd.map.queryRenderedFeatures({ layers: ['cases-cluster'] }).map((f) => f.properties.count),
    );
    assert.ok(drawn.includes(5), `the cluster of 5 is drawn: ${JSON.stringify(drawn)}`);

    // A category: the cluster counts only its cases (the server's tiles, asked with ?category=).
    await page.locator('#board-category').selectOption('SJ-01-01');
    assert.deepEqual(sorted(await shown(page)), sorted([...rubbish, far].map((x) => x.number)));
    await spotIs(3);
    assert.deepEqual(await page.evaluate(() => window.__gridd.command().tileFilters), { category: 'SJ-01-01' });
    await page.locator('#board-category').selectOption('BJ-02-01');
    await spotIs(2);
    // The grid filter works on the clusters too: community 5 holds only the far case (a point, no cluster at the spot).
    await page.locator('#board-category').selectOption('');
    await spotIs(5);
    await page.locator('#board-grid').selectOption(String(far.grid_path[0]));
    assert.deepEqual(await shown(page), [far.number]);
    await page.waitForFunction(
      ([x, y]) => {
        const m = window.__gridd.map;
        const p = m.project([x, y]);
        return (
          m.areTilesLoaded() &&
          !m.querySourceFeatures('cases', { sourceLayer: 'cases' }).some((f) => {
            const q = m.project(f.geometry.coordinates);
            return Math.hypot(q.x - p.x, q.y - p.y) < 4;
          })
        );
      },
      [lon, lat],
      { timeout: 15_000, polling: 50 },
    );
    await page.locator('#board-grid').selectOption('');
    await spotIs(5);
    // The text search is the board's alone: the board narrows, the cluster still counts all five (documented).
    await page.locator('#board-text').fill('暴露垃圾1');
    assert.deepEqual(await shown(page), [rubbish[1].number]);
    assert.deepEqual(await page.evaluate(() => window.__gridd.command().tileFilters), {});
    await page.waitForTimeout(600);
    await spotIs(5);
    await page.locator('#board-clear').click();
    // A live report at the spot, while a category is on: counted only when it passes.
    await page.locator('#board-category').selectOption('BJ-02-01');
    await spotIs(2);
    const another = await report(srv, admin, { category: 'SJ-01-01', location: spot(5), description: '又一处垃圾' });
    // On the board's list (live), not shown, not counted.
    await page.waitForFunction((n) => window.__gridd.command().cases.some((x) => x.number === n), another.number);
    assert.equal(await row(page, another.number).count(), 0);
    await page.waitForTimeout(800);
    await spotIs(2);
    await page.locator('#board-category').selectOption('SJ-01-01');
    await row(page, another.number).waitFor();
    await spotIs(4);
    await page.locator('#board-category').selectOption('');
    await spotIs(6);
    // At zoom 12 the tiles of both filters were asked for; none was refused.
    assert.ok(
      tiles.some((x) => /\/12\/\d+\/\d+\.mvt\?category=SJ-01-01&v=\d+$/.test(x.url)),
      'a zoom-12 tile with ?category=',
    );
    assert.deepEqual(
      tiles.filter((x) => x.status >= 400),
      [],
    );
    assert.deepEqual(await clusterCounts(page).then((cs) => cs.length > 0), true);
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was never reloaded');
    assert.deepEqual(errors, []);
  });
});
