// Browser test of the patrols page (巡查, #/patrols, issue 13) at 1280×720:
// two grid workers (accounts the admin makes) walk their L3 grids over HTTP —
// one twice today, one once — and the admin sees the week's choropleth colour
// the grid with two patrols otherwise than one with none (and one with one),
// the short grids listed under their L2 and L1 grids, and a worker's day
// played back: the line drawn up to the slider's time, ending at the dot, and
// the clock time. Its own gridd (startGridd: the demo data).
//   GRIDD_BIN=target/debug/gridd node --test web/e2e/patrols.test.mjs
// Screenshots: artifacts/screenshots/patrols/*.png.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { apiSession, closeBrowser, fitTo, interiorPoint, launch, mapIdle, request, screenshot, signIn, startGridd } from './browser.mjs';

after(() => closeBrowser());

const H = 3_600_000;
const DAY = 24 * H;
const CHINA = 8 * H;
const PASSWORD = 'patrol-walk-2026';

/** Today's midnight in China time (UTC+08:00), as an instant. */
const chinaMidnight = () => Math.floor((Date.now() + CHINA) / DAY) * DAY - CHINA;
const clock = (ms) => new Date(ms + CHINA).toISOString().slice(11, 19);

function offset([lon, lat], east) {
  return [lon + east / (111_320 * Math.cos((lat * Math.PI) / 180)), lat];
}

/** A walk to and fro inside a grid: a fix every 30 s for 25 min, 20 m apart (1,000 m): one patrol. */
function patrolWalk(worker, at, start) {
  return Array.from({ length: 51 }, (_, k) => {
    const [lon, lat] = offset(at, k % 2 === 0 ? -10 : 10);
    return { worker, time_ms: start + k * 30_000, lon, lat, accuracy_m: 5 };
  });
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

const featureState = (page, id) =>
  page.evaluate((id) => window.__gridd.map.getFeatureState({ source: 'grids', sourceLayer: 'grids_l3', id }), id);

describe('the patrols page', () => {
  test('the week’s choropleth tells two patrols from one and none, lists the short grids, and a worker’s day plays back to the slider’s time', async (t) => {
    const srv = await startGridd();
    const b = await launch({ width: 1280, height: 720 });
    t.after(async () => {
      await b.close();
      await srv.stop();
    });
    const { page, errors } = b;
    page.setDefaultTimeout(15_000);
    const admin = await apiSession(srv.url, 'admin');

    // Three L3 grids side by side: A walked twice, C once, B not at all.
    const l3 = (await request(srv.url, 'GET', '/api/v1/grids?level=3')).body.features;
    const A = l3[0];
    const pA = interiorPoint(A.geometry);
    const near = l3
      .slice(1)
      .map((f) => ({ f, d: Math.hypot(interiorPoint(f.geometry)[0] - pA[0], interiorPoint(f.geometry)[1] - pA[1]) }))
      .sort((x, y) => x.d - y.d);
    const [B, C] = [near[0].f, near[1].f];
    const ids = { A: A.properties.id, B: B.properties.id, C: C.properties.id };
    const workers = {};
    for (const [name, g] of [
      ['w-pa', A],
      ['w-pc', C],
    ]) {
      const made = await request(
        srv.url,
        'POST',
        '/api/v1/accounts',
        { name, display_name: `巡查测试${name}`, password: PASSWORD, grants: [`grid_worker@grid:${g.properties.id}`] },
        admin.headers,
      );
      assert.equal(made.status, 201, JSON.stringify(made.body));
      workers[name] = await apiSession(srv.url, name, PASSWORD);
    }
    const wa = workers['w-pa'].me.user.id;
    const wc = workers['w-pc'].me.user.id;
    const midnight = chinaMidnight();
    const walk1 = patrolWalk(wa, pA, midnight + 9 * H);
    const walk2 = patrolWalk(wa, pA, midnight + 14 * H);
    const walkC = patrolWalk(wc, interiorPoint(C.geometry), midnight + 10 * H);
    for (const [who, fixes] of [
      ['w-pa', [...walk1, ...walk2]],
      ['w-pc', walkC],
    ]) {
      const r = await request(srv.url, 'POST', '/api/v1/tracks/points', { fixes }, workers[who].headers);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.counted, fixes.length, JSON.stringify(r.body.flagged));
    }
    const audit = (await request(srv.url, 'GET', '/api/v1/patrols/audit', undefined, admin.headers)).body;
    const byGrid = new Map(audit.grids.map((g) => [g.grid, g]));
    assert.deepEqual(
      [ids.A, ids.C, ids.B].map((id) => byGrid.get(id).patrols),
      [2, 1, 0],
      'the server finds the patrols',
    );

    await signIn(page, srv.url, 'admin');
    await page.goto(`${srv.url}/#/patrols`);
    await page.locator(`#patrols-summary[data-week="${audit.week}"]`).waitFor();
    assert.equal(await page.locator('#page-title').innerText(), '巡查');
    assert.match(await page.locator('.nav-link[data-page="patrols"]').innerText(), /巡查/);
    await page.waitForFunction(() => !!window.__gridd.map && window.__gridd.map.getLayer('patrols-week-fill'));
    await mapIdle(page);
    assert.equal(await page.locator('#patrols-week').innerText(), audit.week);
    const short = audit.grids.filter((g) => g.short).length;
    assert.equal(await page.locator('#patrols-summary').innerText(), `三级网格 ${audit.grids.length} 个，不足 2 次的 ${short} 个`);
    const legend = await page
      .locator('#patrols-legend .legend-row')
      .evaluateAll((rs) => rs.map((r) => [r.dataset.class, r.innerText.trim()]));
    assert.deepEqual(legend, [
      ['0', '0 次'],
      ['1', '1 次'],
      ['2', '2 次及以上'],
      ['short', '不足 2 次（加框）'],
    ]);

    // The classes as feature state of the L3 tiles, and the colours drawn.
    assert.deepEqual(await featureState(page, ids.A), { p_class: 2, p_short: false, p_patrols: 2 });
    assert.deepEqual(await featureState(page, ids.C), { p_class: 1, p_short: true, p_patrols: 1 });
    assert.deepEqual(await featureState(page, ids.B), { p_class: 0, p_short: true, p_patrols: 0 });
    await fitTo(page, bboxOf([A.geometry, B.geometry, C.geometry]), 80, 17);
    const colours = await page.evaluate((want) => {
      const map = window.__gridd.map;
      const out = {};
      for (const f of map.queryRenderedFeatures({ layers: ['patrols-week-fill'] })) {
        if (!want.includes(f.id)) continue;
        const c = map.getLayer('patrols-week-fill').paint.get('fill-color').evaluate(f, f.state);
        out[f.id] = [c.r, c.g, c.b].map((v) => Math.round(v * 255));
      }
      return out;
    }, Object.values(ids));
    assert.deepEqual(colours[ids.A], [0x1a, 0x98, 0x50], 'two patrols: green');
    assert.deepEqual(colours[ids.C], [0xfd, 0xae, 0x61], 'one patrol: amber');
    assert.deepEqual(colours[ids.B], [0xd7, 0x30, 0x1f], 'none: red');
    assert.notDeepEqual(colours[ids.A], colours[ids.B]);
    // The short grids under their parents: B and C listed, A not.
    const listed = await page.locator('#patrols-short li li[data-grid]').evaluateAll((ls) => ls.map((l) => Number(l.dataset.grid)));
    assert.ok(listed.includes(ids.B) && listed.includes(ids.C), `B and C are short: ${listed}`);
    assert.ok(!listed.includes(ids.A), 'A has its two patrols');
    assert.match(await page.locator('#patrols-short > li').first().innerText(), /^L2 /);
    await screenshot(page, 'patrols/01-choropleth-1280x720');

    // Playback of the worker who walked A twice.
    await page.locator('#patrols-worker').selectOption(String(wa));
    await page.locator('#patrols-fixes[data-state="ready"]').waitFor();
    assert.equal(await page.locator('#patrols-fixes').innerText(), '102 个定位点（0 个未计入）');
    const dayList = await page.locator('#patrols-day-list li[data-start]').evaluateAll((ls) => ls.map((l) => Number(l.dataset.start)));
    assert.deepEqual(dayList, [walk1[0].time_ms, walk2[0].time_ms]);
    assert.equal(await page.locator('#patrols-clock').innerText(), '09:00:00');
    // Between the 11th and 12th fix: the line runs through the first eleven to the dot, halfway on.
    const at = walk1[10].time_ms + 15_000;
    await page.locator('#patrols-slider').evaluate((s, v) => {
      s.value = String(v);
      s.dispatchEvent(new Event('input', { bubbles: true }));
    }, at);
    assert.equal(await page.locator('#patrols-clock').innerText(), clock(at));
    assert.equal(clock(at), '09:05:15');
    const drawn = await page.evaluate(async () => {
      const map = window.__gridd.map;
      return { line: await map.getSource('patrol-line').getData(), dot: await map.getSource('patrol-dot').getData() };
    });
    const line = drawn.line.geometry.coordinates;
    assert.equal(line.length, 1);
    assert.equal(line[0].length, 12, 'eleven fixes and the dot');
    for (let k = 0; k < 11; k++) assert.deepEqual(line[0][k], [walk1[k].lon, walk1[k].lat]);
    const half = [(walk1[10].lon + walk1[11].lon) / 2, (walk1[10].lat + walk1[11].lat) / 2];
    for (const p of [line[0][11], drawn.dot.geometry.coordinates]) {
      assert.ok(Math.abs(p[0] - half[0]) < 1e-9 && Math.abs(p[1] - half[1]) < 1e-9, `halfway: ${p} vs ${half}`);
    }
    // After the morning walk, in the gap: the morning's line whole, the dot at its end.
    const noon = midnight + 12 * H;
    await page.locator('#patrols-slider').evaluate((s, v) => {
      s.value = String(v);
      s.dispatchEvent(new Event('input', { bubbles: true }));
    }, noon);
    assert.equal(await page.locator('#patrols-clock').innerText(), '12:00:00');
    assert.equal(await page.locator('#patrols-playback').getAttribute('data-drawn'), '51');
    // The second patrol in the list moves the slider to its start.
    await page.locator('#patrols-day-list li[data-start] button').nth(1).click();
    assert.equal(await page.locator('#patrols-clock').innerText(), '14:00:00');
    // Play: the time runs on.
    await page.locator('#patrols-speed').selectOption('60');
    await page.locator('#patrols-play').click();
    assert.equal(await page.locator('#patrols-play').innerText(), '暂停');
    await page.waitForFunction((t0) => Number(document.querySelector('#patrols-clock').dataset.t) > t0 + 60_000, walk2[0].time_ms);
    await page.locator('#patrols-play').click();
    assert.equal(await page.locator('#patrols-play').innerText(), '播放');
    const paused = Number(await page.locator('#patrols-clock').getAttribute('data-t'));
    assert.ok(Number(await page.locator('#patrols-playback').getAttribute('data-drawn')) > 51, 'the afternoon line grows');
    await fitTo(page, bboxOf([A.geometry]), 60, 18);
    await screenshot(page, 'patrols/02-playback-1280x720');
    assert.equal(Number(await page.locator('#patrols-clock').getAttribute('data-t')), paused, 'paused stays');

    // Live: a fix the worker sends now shows as their position and one more fix at the end of the day's track.
    await page.locator('#patrols-live[data-on="true"]').waitFor();
    const [lon, lat] = offset(pA, 5);
    const late = { worker: wa, time_ms: walk2[50].time_ms + 60_000, lon, lat, accuracy_m: 5 };
    await page.locator('#patrols-slider').evaluate((s, v) => {
      s.value = String(v);
      s.dispatchEvent(new Event('input', { bubbles: true }));
    }, walk2[50].time_ms);
    const sent = await request(srv.url, 'POST', '/api/v1/tracks/points', { fixes: [late] }, workers['w-pa'].headers);
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    await page.locator('#patrols-fixes', { hasText: '103 个定位点' }).waitFor();
    const dots = await page.evaluate(async () => (await window.__gridd.map.getSource('patrol-live').getData()).features);
    const mine = dots.find((f) => f.properties.worker === wa);
    assert.ok(mine, `a live position of the worker: ${JSON.stringify(dots)}`);
    assert.ok(Math.abs(mine.geometry.coordinates[0] - lon) < 1e-9 && Math.abs(mine.geometry.coordinates[1] - lat) < 1e-9);
    assert.equal(await page.locator('#patrols-clock').innerText(), clock(late.time_ms), 'the playback at its end follows');
    assert.match(await page.locator('#patrols-live').innerText(), /实时位置：今天 1 名网格员/);

    // A week without patrols: every grid short.
    await page.locator('#patrols-week-prev').click();
    await page.waitForFunction((w) => {
      const s = document.querySelector('#patrols-summary');
      return s.dataset.week && s.dataset.week !== w;
    }, audit.week);
    assert.deepEqual(await featureState(page, ids.A), { p_class: 0, p_short: true, p_patrols: 0 });
    assert.deepEqual(errors, []);

    // An operator reads patrols, and so the fixes in their scope: the week as above, and the day played back
    // point by point as for the admin.
    const op = await launch({ width: 1280, height: 720 });
    try {
      op.page.setDefaultTimeout(15_000);
      await signIn(op.page, srv.url, 'operator');
      await op.page.goto(`${srv.url}/#/patrols`);
      await op.page.locator(`#patrols-summary[data-week="${audit.week}"]`).waitFor();
      await op.page.waitForFunction(() => !!window.__gridd.map?.getLayer('patrols-week-fill'));
      await mapIdle(op.page);
      assert.equal((await featureState(op.page, ids.A)).p_class, 2);
      await op.page.locator('#patrols-worker').selectOption(String(wa));
      await op.page.locator('#patrols-fixes[data-state="ready"]').waitFor();
      // The day's 102 walked fixes and the one sent live while the admin watched.
      assert.equal(await op.page.locator('#patrols-fixes').innerText(), '103 个定位点（0 个未计入）');
      assert.equal(await op.page.locator('#patrols-clock').innerText(), '09:00:00');
      await screenshot(op.page, 'patrols/03-operator-playback-1280x720');
      assert.deepEqual(op.errors, []);
    } finally {
      await op.close();
    }
  });
});
