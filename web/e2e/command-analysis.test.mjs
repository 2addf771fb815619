// Browser tests of the command center's analysis maps (分析, issue 12): cases
// per 1,000 households by grid over a period (a choropleth on the grid tiles
// by feature state, its legend and tooltip) and the hot spots of the last 30
// days (a heatmap and the five hottest places; a click flies there). Each
// test starts its own gridd (startGridd: the demo data, no cases) and reports
// known numbers of cases in chosen grids through the API as the demo admin.
//   GRIDD_BIN=target/debug/gridd node --test web/e2e/command-analysis.test.mjs
// Screenshots: artifacts/screenshots/command/analysis-choropleth.png and
// analysis-hotspots.png.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import {
  apiSession,
  closeBrowser,
  fitTo,
  flightOf,
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

/** A private gridd and a page signed in as `who`; both end with the test. Console errors are collected too. */
async function fresh(t, who) {
  const srv = await startGridd();
  const b = await launch();
  t.after(async () => {
    await b.close();
    await srv.stop();
  });
  b.page.setDefaultTimeout(15_000);
  // A failed request shows as a console error ("Failed to load resource"): those are
  // collected by address instead, so the one the page makes for any grid worker
  // (GET /subdistricts/{id}/case-units: 403, for the report form's units) is named.
  const consoleErrors = [];
  const failed = [];
  b.page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  b.page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
  });
  await signIn(b.page, srv.url, who);
  const admin = await apiSession(srv.url, 'admin');
  return { srv, page: b.page, errors: b.errors, consoleErrors, failed, admin };
}

async function report(srv, session, body) {
  const res = await request(
    srv.url,
    'POST',
    '/api/v1/cases',
    { source: 'hotline', category: 'SJ-01-01', description: '测试案件', address: '测试路', ...body },
    { ...session.headers, 'Idempotency-Key': randomUUID() },
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.case;
}

/** A grid's true geometry and properties from the API. */
async function grid(srv, id) {
  return (await request(srv.url, 'GET', `/api/v1/grids/${id}`)).body;
}

/** Every grid of the tree by id (households rolled up, as the map's tiles have them), with its `path` from L1. */
async function treeById(srv) {
  const out = new Map();
  const walk = (nodes, above = []) => {
    for (const n of nodes) {
      const path = [...above, n.id];
      out.set(n.id, { ...n, path });
      walk(n.children, path);
    }
  };
  for (const s of (await request(srv.url, 'GET', '/api/v1/tree')).body) walk(s.children);
  return out;
}

function bboxOf(geometries) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const g of geometries) {
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    for (const p of polys)
      for (const [x, y] of p[0]) {
        b[0] = Math.min(b[0], x);
        b[1] = Math.min(b[1], y);
        b[2] = Math.max(b[2], x);
        b[3] = Math.max(b[3], y);
      }
  }
  return b;
}

async function openCommand(page, srv) {
  await page.goto(`${srv.url}/#/command`);
  await page.waitForFunction(() => {
    const c = window.__gridd?.command?.();
    return c && c.loaded && c.live === 'on';
  });
  await page.waitForFunction(() => !!window.__gridd.map);
  await mapIdle(page);
}

const featureState = (page, id, level = 3) =>
  page.evaluate(([id, level]) => window.__gridd.map.getFeatureState({ source: 'grids', sourceLayer: `grids_l${level}`, id }), [id, level]);

/** Move the mouse over a longitude/latitude of the map (the map is moved first if a panel covers it). */
async function hover(page, lngLat) {
  const covered = () =>
    page.evaluate((ll) => {
      const map = window.__gridd.map;
      const pt = map.project(ll);
      const r = map.getCanvas().getBoundingClientRect();
      return document.elementFromPoint(r.left + pt.x, r.top + pt.y) !== map.getCanvas();
    }, lngLat);
  if (await covered()) {
    await page.evaluate((ll) => window.__gridd.map.jumpTo({ center: ll }), lngLat);
    await mapIdle(page);
  }
  const p = await screenOf(page, lngLat);
  await page.mouse.move(p.x - 3, p.y - 3);
  await page.mouse.move(p.x, p.y);
}

const rate = (cases, households) => (cases / households) * 1000;
const fixed2 = (n) => String(Number(n.toFixed(2)));

describe('the analysis maps of the command center', () => {
  test('cases per 1,000 households by L3 grid over a period: the rates on the tiles, the legend, the tooltip; the hot spots of 30 days and a fly to the hottest', async (t) => {
    const { srv, page, errors, consoleErrors, failed, admin } = await fresh(t, 'operator');
    const tree = await treeById(srv);
    // Two L3 grids with households and one without (无住户).
    const [A, B, EMPTY] = [33, 37, 36];
    assert.equal(tree.get(A).level, 3);
    assert.equal(tree.get(B).level, 3);
    const hhA = tree.get(A).households;
    const hhB = tree.get(B).households;
    assert.ok(hhA > 0 && hhB > 0, `households ${hhA}, ${hhB}`);
    assert.ok(!tree.get(EMPTY).households, 'grid 36 has no households');
    const [gA, gB, gE] = await Promise.all([grid(srv, A), grid(srv, B), grid(srv, EMPTY)]);
    const pA = interiorPoint(gA.geometry);
    const pB = interiorPoint(gB.geometry);
    // Three cases a few metres apart in A (one of them already finished: refused), one in B.
    const inA = [];
    for (const [i, dx] of [0, 0.00002, -0.00002].entries()) {
      inA.push(await report(srv, admin, { location: { lon: pA[0] + dx, lat: pA[1] }, description: `A 的第 ${i + 1} 件` }));
    }
    const refused = await request(
      srv.url,
      'POST',
      `/api/v1/cases/${inA[2].id}/steps`,
      { action: 'refuse', version: inA[2].version, reason: '不属于受理范围' },
      { ...admin.headers, 'Idempotency-Key': randomUUID() },
    );
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    const inB = await report(srv, admin, { location: { lon: pB[0], lat: pB[1] }, description: 'B 的一件' });
    for (const c of [...inA, inB]) assert.ok(c.grid_path.length >= 3, JSON.stringify(c.grid_path));
    assert.equal(inA[0].grid_path[2], A);
    assert.equal(inB.grid_path[2], B);

    await openCommand(page, srv);
    await page.locator('#cmd-analysis summary').click();
    assert.match(await page.locator('#cmd-analysis').innerText(), /每千户案件数[\s\S]*近 30 天热点/);
    await page.locator('#analysis-rate').check();
    assert.equal(await page.locator('#analysis-level').inputValue(), '3');
    assert.equal(await page.locator('#analysis-period').inputValue(), '30');
    await page.locator('#cmd-analysis[data-rate="ready"]').waitFor();

    // The rates, as feature state of the L3 tiles' features (the grid id).
    const wantA = rate(3, hhA);
    const wantB = rate(1, hhB);
    const sA = await featureState(page, A);
    const sB = await featureState(page, B);
    assert.equal(sA.a_cases, 3);
    assert.ok(Math.abs(sA.a_rate - wantA) < 1e-9, `A: ${sA.a_rate} vs ${wantA}`);
    assert.equal(sB.a_cases, 1);
    assert.ok(Math.abs(sB.a_rate - wantB) < 1e-9, `B: ${sB.a_rate} vs ${wantB}`);
    // The classes: equal round steps, the largest at most a quarter of the highest rate.
    assert.equal(Math.max(wantA, wantB), wantA);
    assert.ok(wantA / 4 >= 2 && wantA / 4 < 2.5, `the step is 2 for a highest rate of ${wantA}`);
    const legend = await page
      .locator('#analysis-legend .legend-row')
      .evaluateAll((rs) => rs.map((r) => [r.dataset.class, r.innerText.trim()]));
    assert.deepEqual(legend, [
      ['0', '0 – 2'],
      ['1', '2 – 4'],
      ['2', '4 – 6'],
      ['3', '6 – 8'],
      ['4', '≥ 8'],
      ['empty', '无住户'],
    ]);
    assert.equal(sA.a_class, 4);
    assert.equal(sB.a_class, Math.floor(wantB / 2));
    // A grid without a case has 0, in the first class.
    const others = [...tree.values()].filter((g) => g.level === 3 && g.households > 0 && g.id !== A && g.id !== B);
    const sO = await featureState(page, others[0].id);
    assert.deepEqual([sO.a_cases, sO.a_rate, sO.a_class], [0, 0, 0]);
    assert.equal((await featureState(page, EMPTY)).a_class, -1);
    assert.match(await page.locator('#analysis-rate-status').innerText(), /4 件案件 · 46 个网格/);

    // Drawn: the fill layer has A and B with their households, the hatch the grid without any.
    await fitTo(page, bboxOf([gA.geometry, gB.geometry, gE.geometry]), 80, 17);
    const drawn = await page.evaluate(() => {
      const map = window.__gridd.map;
      const pick = (layer) =>
        Object.fromEntries(map.queryRenderedFeatures({ layers: [layer] }).map((f) => [f.id, [f.properties.households, f.state.a_class]]));
      return { fill: pick('analysis-rate-fill'), hatch: pick('analysis-rate-hatch') };
    });
    assert.deepEqual(drawn.fill[A], [hhA, 4]);
    assert.deepEqual(drawn.fill[B], [hhB, sB.a_class]);
    assert.ok(drawn.hatch[EMPTY], `grid ${EMPTY} is hatched: ${JSON.stringify(drawn.hatch)}`);
    assert.equal(drawn.fill[EMPTY], undefined);
    // The colour of A's class, as drawn (the layer's colour expression over the feature state).
    const fillOfA = await page.evaluate((id) => {
      const f = window.__gridd.map.queryRenderedFeatures({ layers: ['analysis-rate-fill'] }).find((x) => x.id === id);
      const c = window.__gridd.map.getLayer('analysis-rate-fill').paint.get('fill-color').evaluate(f, f.state);
      return [c.r, c.g, c.b].map((v) => Math.round(v * 255));
    }, A);
    assert.deepEqual(fillOfA, [0xbd, 0x00, 0x26]);
    // Below the cases: the case dots are drawn over the choropleth.
    const order = await page.evaluate(() => window.__gridd.map.getStyle().layers.map((l) => l.id));
    assert.ok(order.indexOf('analysis-rate-fill') < order.indexOf('cases-halo'), 'the fill is below the case layers');

    // The tooltip: name, cases, households and the rate.
    const tip = page.locator('#analysis-tip');
    const aside = (p, g) => [p[0], p[1] + 0.00004, g];
    await hover(page, aside(pA, A));
    await page.locator(`#analysis-tip[data-grid="${A}"]`).waitFor();
    let text = await tip.innerText();
    for (const want of [tree.get(A).name, '案件', '3 件', '住户', `${hhA} 户`, '每千户', fixed2(wantA)])
      assert.ok(text.includes(want), `the tooltip says ${want}: ${text}`);
    await hover(page, aside(pB, B));
    await page.locator(`#analysis-tip[data-grid="${B}"]`).waitFor();
    text = await tip.innerText();
    for (const want of [tree.get(B).name, '1 件', `${hhB} 户`, fixed2(wantB)])
      assert.ok(text.includes(want), `the tooltip says ${want}: ${text}`);
    await hover(page, interiorPoint(gE.geometry));
    await page.locator(`#analysis-tip[data-grid="${EMPTY}"]`).waitFor();
    assert.match(await tip.innerText(), /无住户/);
    assert.doesNotMatch(await tip.innerText(), /每千户/);
    await hover(page, aside(pA, A));
    await page.locator(`#analysis-tip[data-grid="${A}"]`).waitFor();
    await mapIdle(page);
    await screenshot(page, 'command/analysis-choropleth');

    // Another period: dates long before these cases count none; back to the last 7 days counts them again.
    await page.locator('#analysis-period').selectOption('range');
    await page.locator('#analysis-from').fill('2020-01-01');
    await page.locator('#analysis-to').fill('2020-01-31');
    await page.waitForFunction((id) => {
      const s = window.__gridd.map.getFeatureState({ source: 'grids', sourceLayer: 'grids_l3', id });
      return s.a_cases === 0;
    }, A);
    assert.match(await page.locator('#analysis-rate-status').innerText(), /0 件案件/);
    await page.locator('#analysis-period').selectOption('7');
    await page.waitForFunction(
      (id) => window.__gridd.map.getFeatureState({ source: 'grids', sourceLayer: 'grids_l3', id }).a_cases === 3,
      A,
    );
    // The L1 level rolls the cases up the tree: A's and B's L1 grids.
    await page.locator('#analysis-level').selectOption('1');
    const l1A = inA[0].grid_path[0];
    const l1B = inB.grid_path[0];
    await page.waitForFunction(
      (id) => window.__gridd.map.getFeatureState({ source: 'grids', sourceLayer: 'grids_l1', id }).a_cases > 0,
      l1A,
    );
    const perL1 = {};
    for (const id of [l1A, l1B]) perL1[id] = (await featureState(page, id, 1)).a_cases;
    const wantL1 = {};
    for (const c of [...inA, inB]) wantL1[c.grid_path[0]] = (wantL1[c.grid_path[0]] ?? 0) + 1;
    assert.deepEqual(perL1, wantL1);
    assert.ok(
      Math.abs((await featureState(page, l1A, 1)).a_rate - rate(wantL1[l1A], tree.get(l1A).households)) < 1e-9,
      'the L1 rate is of its rolled-up households',
    );
    // The L3 state is gone from the map with its layer.
    assert.equal((await featureState(page, A, 3)).a_class, undefined);
    await page.locator('#analysis-level').selectOption('3');
    await page.waitForFunction(
      (id) => window.__gridd.map.getFeatureState({ source: 'grids', sourceLayer: 'grids_l3', id }).a_cases === 3,
      A,
    );

    // Hot spots of the last 30 days: the heatmap of every case (the refused one too), the top place in A.
    await page.locator('#analysis-rate').uncheck();
    assert.equal(await page.evaluate(() => !!window.__gridd.map.getLayer('analysis-rate-fill')), false);
    await page.locator('#analysis-hot').check();
    await page.locator('#cmd-analysis[data-hot="ready"]').waitFor();
    assert.equal(await page.evaluate(() => window.__gridd.map.getLayer('analysis-heat')?.type), 'heatmap');
    const heatPoints = await page.evaluate(() => window.__gridd.map.getSource('analysis-hot').serialize().data.features.length);
    assert.equal(heatPoints, 4);
    const items = await page
      .locator('#analysis-hot-list .analysis-hot-item')
      .evaluateAll((bs) =>
        bs.map((b) => ({ rank: b.dataset.rank, grid: Number(b.dataset.grid), count: Number(b.dataset.count), text: b.innerText })),
      );
    assert.deepEqual(
      items.map((i) => [i.rank, i.grid, i.count]),
      [
        ['1', A, 3],
        ['2', B, 1],
      ],
    );
    assert.match(items[0].text, new RegExp(`${tree.get(A).name} · 3 件`));
    // On the map, a numbered dot per place, as the list numbers them: map layers (a circle and its rank
    // over the served glyphs), no HTML markers.
    await page.waitForFunction(
      () => {
        const m = window.__gridd.map;
        const ranks = (layer) => [...new Set(m.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties.rank))].sort().join(',');
        return ranks('analysis-hot-spot') === '1,2' && ranks('analysis-hot-rank') === '1,2';
      },
      undefined,
      { timeout: 5000 },
    );
    assert.equal(await page.locator('.maplibregl-marker').count(), 0, 'no HTML markers');
    /** Where the map draws a spot's dot now (page pixels and its place), or null. */
    const dotOf = async (rank) => {
      const at = await page.evaluate(
        (r) =>
          window.__gridd.map.queryRenderedFeatures({ layers: ['analysis-hot-spot'] }).find((f) => f.properties.rank === r)?.geometry
            .coordinates ?? null,
        rank,
      );
      return at && { at, ...(await screenOf(page, at)) };
    };
    // Away from it, then a click on the hottest place flies there.
    await page.evaluate(() => window.__gridd.map.jumpTo({ center: [24.9, 60.2], zoom: 13 }));
    await mapIdle(page);
    await flightOf(page, () => page.locator('#analysis-hot-list .analysis-hot-item[data-rank="1"]').click());
    const view = await page.evaluate(() => {
      const m = window.__gridd.map;
      return { center: m.getCenter().toArray(), zoom: m.getZoom() };
    });
    const meanA = [inA.reduce((s, c) => s + c.lon, 0) / 3, inA.reduce((s, c) => s + c.lat, 0) / 3];
    const metres = Math.hypot(
      (view.center[0] - meanA[0]) * 111_320 * Math.cos((meanA[1] * Math.PI) / 180),
      (view.center[1] - meanA[1]) * 110_574,
    );
    assert.ok(metres < 5, `the map is centred ${metres.toFixed(1)} m from the hottest place`);
    assert.ok(view.zoom >= 17, `zoomed in: ${view.zoom}`);
    // The dot of the hottest place sits on it.
    const dot = await dotOf(1);
    const spot = await screenOf(page, meanA);
    assert.ok(
      dot && Math.abs(dot.x - spot.x) < 3 && Math.abs(dot.y - spot.y) < 3,
      `the dot is at the place: ${JSON.stringify([dot, spot])}`,
    );
    await screenshot(page, 'command/analysis-hotspots');
    // A click on a dot on the map flies there too: B's, over B's own case point, which it keeps from opening.
    await fitTo(page, bboxOf([gA.geometry, gB.geometry]), 80, 16);
    const second = await dotOf(2);
    assert.ok(second, 'the second place is drawn');
    await flightOf(page, () => page.mouse.click(second.x, second.y));
    const there = await page.evaluate(() => window.__gridd.map.getCenter().toArray());
    const off = Math.hypot((there[0] - pB[0]) * 111_320 * Math.cos((pB[1] * Math.PI) / 180), (there[1] - pB[1]) * 110_574);
    assert.ok(off < 5, `the map is centred ${off.toFixed(1)} m from B's place`);
    assert.match(await page.evaluate(() => location.hash), /^#\/command(\?|$)/, 'no case was opened by the click');

    // English, by the app's switch.
    await page.locator('#lang-switch').click();
    await page.locator('#cmd-analysis').filter({ hasText: 'Hot spots, last 30 days' }).waitFor();
    assert.match(await page.locator('#analysis-hot-list').innerText(), /· 3 cases/);
    assert.deepEqual(errors, []);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(failed, []);
  });

  test('a grid worker has figures only for the grids under their own; the rest are left unfilled as not theirs to see', async (t) => {
    const { srv, page, errors, consoleErrors, failed, admin } = await fresh(t, 'worker');
    const me = (await request(srv.url, 'GET', '/api/v1/auth/me', undefined, (await apiSession(srv.url, 'worker')).headers)).body;
    const own = Number(me.user.grants[0].scope.split(':')[1]);
    const tree = await treeById(srv);
    const l3 = [...tree.values()].filter((g) => g.level === 3 && g.households > 0);
    // An L3 grid under the worker's grid and one elsewhere.
    const mine = l3.filter((g) => g.path.includes(own));
    const theirs = l3.filter((g) => !g.path.includes(own));
    assert.ok(mine.length && theirs.length, 'an L3 grid under the worker’s and one elsewhere');
    const [gm, gt] = await Promise.all([grid(srv, mine[0].id), grid(srv, theirs[0].id)]);
    for (const g of [gm, gt]) {
      const [lon, lat] = interiorPoint(g.geometry);
      await report(srv, admin, { location: { lon, lat } });
      await report(srv, admin, { location: { lon, lat } });
    }
    await openCommand(page, srv);
    await page.locator('#cmd-analysis summary').click();
    await page.locator('#analysis-rate').check();
    await page.locator('#cmd-analysis[data-rate="ready"]').waitFor();
    const sm = await featureState(page, mine[0].id);
    assert.equal(sm.a_cases, 2);
    assert.ok(Math.abs(sm.a_rate - rate(2, mine[0].households)) < 1e-9);
    const st = await featureState(page, theirs[0].id);
    assert.deepEqual([st.a_class, st.a_cases, st.a_rate], [-1, -1, -1]);
    assert.match(await page.locator('#analysis-legend [data-class="hidden"]').innerText(), /无权查看/);
    // At L1: the worker's own grid has figures, the others none.
    await page.locator('#analysis-level').selectOption('1');
    await page.waitForFunction(
      (id) => window.__gridd.map.getFeatureState({ source: 'grids', sourceLayer: 'grids_l1', id }).a_cases === 2,
      own,
    );
    const otherL1 = [...tree.values()].find((g) => g.level === 1 && g.id !== own && g.households > 0);
    assert.equal((await featureState(page, otherL1.id, 1)).a_class, -1);
    // Hot spots: only the worker's cases (the API filters).
    await page.locator('#analysis-hot').check();
    await page.locator('#cmd-analysis[data-hot="ready"]').waitFor();
    const items = await page.locator('#analysis-hot-list .analysis-hot-item').evaluateAll((bs) => bs.map((b) => Number(b.dataset.grid)));
    assert.deepEqual(items, [mine[0].id]);
    assert.deepEqual(errors, []);
    assert.deepEqual(consoleErrors, []);
    // Only the page's own request for the units (not the analysis's) is refused.
    assert.deepEqual(failed, ['403 /api/v1/subdistricts/1/case-units']);
  });
});
