// Browser test of the grid worker's field page (网格员外勤, #/field, issue 13)
// on a phone-sized screen (390×844) with the browser's geolocation: a grid
// worker of an L3 grid (an account the admin makes) records a walk, the fixes
// reach the server in a batch; offline, the fixes wait on the device and go
// once back online; an answer lost after the server stored a batch sends
// nothing twice. Its own gridd (startGridd: the demo data).
//   GRIDD_BIN=target/debug/gridd node --test web/e2e/field.test.mjs
// Screenshots: artifacts/screenshots/field/*.png.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { apiSession, closeBrowser, interiorPoint, launch, request, screenshot, signIn, startGridd } from './browser.mjs';

after(() => closeBrowser());

const PASSWORD = 'field-walk-2026';

/** A point `east` metres east and `north` metres north of another. */
function offset([lon, lat], east, north = 0) {
  return [lon + east / (111_320 * Math.cos((lat * Math.PI) / 180)), lat + north / 110_540];
}

async function storedFixes(srv, session, worker) {
  const now = Date.now();
  const r = await request(
    srv.url,
    'GET',
    `/api/v1/tracks/points?worker=${worker}&from=${now - 3_600_000}&to=${now + 3_600_000}`,
    undefined,
    session.headers,
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const number = async (page, id) => Number(await page.locator(`#${id}`).getAttribute('data-n'));

describe('the field page', () => {
  test('a grid worker records a walk on a phone: batches reach the server, an offline stretch waits on the device, nothing is sent twice', async (t) => {
    const srv = await startGridd();
    const b = await launch({ width: 390, height: 844 });
    t.after(async () => {
      await b.close();
      await srv.stop();
    });
    const { page, context, errors } = b;
    page.setDefaultTimeout(15_000);
    const admin = await apiSession(srv.url, 'admin');
    const l3 = (await request(srv.url, 'GET', '/api/v1/grids?level=3')).body.features[0];
    const made = await request(
      srv.url,
      'POST',
      '/api/v1/accounts',
      { name: 'w-field', display_name: '外勤测试网格员', password: PASSWORD, grants: [`grid_worker@grid:${l3.properties.id}`] },
      admin.headers,
    );
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const worker = await apiSession(srv.url, 'w-field', PASSWORD);
    const me = worker.me.user.id;

    const start = interiorPoint(l3.geometry);
    const walk = Array.from({ length: 12 }, (_, k) => offset(start, (k % 6) * 8, Math.floor(k / 6) * 8));
    await context.grantPermissions(['geolocation'], { origin: srv.url });
    const goTo = async ([lon, lat]) => context.setGeolocation({ longitude: lon, latitude: lat, accuracy: 6 });
    await goTo(walk[0]);
    await signIn(page, srv.url, 'w-field', PASSWORD);
    await page.goto(`${srv.url}/#/field`);
    await page.locator('#field-start').waitFor();
    assert.equal(await page.locator('#page-title').innerText(), '网格员外勤');
    // The worker's grid with this week's patrols against two.
    const row = page.locator(`#field-grids li[data-grid="${l3.properties.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(`${l3.properties.name}[\\s\\S]*0 / 2 次[\\s\\S]*未达标`));
    assert.equal(await page.locator('#field-state').getAttribute('data-state'), 'idle');
    assert.equal(await page.locator('#field-start').innerText(), '开始记录轨迹');

    // Recording: every move of the position is a fix, kept at once.
    await page.locator('#field-start').click();
    await page.locator('#field-state[data-state="recording"]').waitFor();
    assert.equal(await page.locator('#field-start').innerText(), '停止记录');
    const taken = async () => (await number(page, 'field-sent')) + (await number(page, 'field-waiting'));
    for (let k = 1; k < 6; k++) {
      await page.waitForTimeout(300);
      await goTo(walk[k]);
      await page.waitForFunction(
        (n) => Number(document.querySelector('#field-sent').dataset.n) + Number(document.querySelector('#field-waiting').dataset.n) >= n,
        k + 1,
      );
    }
    assert.equal(await taken(), 6);
    const kept = await page.evaluate(
      (key) => JSON.parse(localStorage.getItem(key) ?? '{"fixes":[]}').fixes.length,
      `gridd.field.outbox.${me}`,
    );
    assert.ok(kept >= 1, `the waiting fixes are in the device's storage (${kept})`);
    // The batch goes by itself within 15 s.
    await page.locator('#field-sent[data-n="6"]').waitFor({ timeout: 25_000 });
    assert.equal(await number(page, 'field-waiting'), 0);
    let server = await storedFixes(srv, worker, me);
    assert.equal(server.length, 6);
    assert.ok(
      server.every((f) => f.worker === me && f.grid_id === l3.properties.id && f.accuracy_m === 6),
      JSON.stringify(server[0]),
    );
    for (const [i, f] of server.entries()) {
      assert.ok(Math.abs(f.lon - walk[i][0]) < 1e-9 && Math.abs(f.lat - walk[i][1]) < 1e-9, `fix ${i} where the phone was`);
    }
    await screenshot(page, 'field/01-recording-390x844');

    // Offline: the fixes wait on the device; the send fails and says so in Chinese.
    await context.setOffline(true);
    for (let k = 6; k < 9; k++) {
      await page.waitForTimeout(300);
      await goTo(walk[k]);
      await page.waitForFunction((n) => Number(document.querySelector('#field-waiting').dataset.n) >= n, k - 5);
    }
    await page.locator('#field-send').click();
    await page.locator('#field-error[data-problem="offline"]').waitFor();
    assert.match(await page.locator('#field-error').innerText(), /网络不通，定位点已保存在本机/);
    assert.match(await page.locator('#field-waiting').innerText(), /3 个（离线，联网后自动上传）/);
    const outbox = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)), `gridd.field.outbox.${me}`);
    assert.equal(outbox.fixes.length, 3);
    assert.equal((await storedFixes(srv, worker, me)).length, 6, 'nothing reached the server');
    await screenshot(page, 'field/02-offline-390x844');
    // Back online: sent at once, in order.
    await context.setOffline(false);
    await page.locator('#field-sent[data-n="9"]').waitFor({ timeout: 20_000 });
    assert.equal(await number(page, 'field-waiting'), 0);
    server = await storedFixes(srv, worker, me);
    assert.equal(server.length, 9);
    assert.equal(await page.locator('#field-error').getAttribute('data-problem'), '');

    // An answer lost on the way back: the server stored the batch, the page heard nothing.
    let lost = 0;
    await page.route('**/api/v1/tracks/points', async (route) => {
      if (route.request().method() !== 'POST' || lost > 0) return route.fallback();
      lost++;
      await route.fetch();
      await route.abort('connectionreset');
    });
    for (let k = 9; k < 12; k++) {
      await page.waitForTimeout(300);
      await goTo(walk[k]);
      await page.waitForFunction((n) => Number(document.querySelector('#field-waiting').dataset.n) >= n, k - 8);
    }
    await page.locator('#field-send').click();
    await page.waitForFunction(
      () => document.querySelector('#field-send').disabled === false || document.querySelector('#field-waiting').dataset.n === '0',
    );
    await page.waitForFunction(() => document.querySelector('#field-waiting').dataset.sending === 'false');
    assert.equal(lost, 1);
    assert.equal((await storedFixes(srv, worker, me)).length, 12, 'the lost answer’s batch is on the server');
    assert.equal(await number(page, 'field-waiting'), 3, 'the page does not know it');
    await page.unroute('**/api/v1/tracks/points');
    await page.locator('#field-send').click();
    await page.locator('#field-waiting[data-n="0"]').waitFor();
    assert.equal(await number(page, 'field-sent'), 12);
    server = await storedFixes(srv, worker, me);
    assert.equal(server.length, 12, 'asked first, sent nothing twice');
    assert.equal(new Set(server.map((f) => f.time_ms)).size, 12, 'no fix twice');
    for (const [i, f] of server.entries()) assert.ok(Math.abs(f.lon - walk[i][0]) < 1e-9, `fix ${i} in the order taken`);

    // Stop: no more fixes.
    await page.locator('#field-start').click();
    await page.locator('#field-state[data-state="idle"]').waitFor();
    await goTo(offset(start, 50));
    await page.waitForTimeout(500);
    assert.equal(await taken(), 12);
    // Today's track is drawn on the map.
    const drawn = await page.evaluate(async () => {
      const data = await window.__gridd.map.getSource('field-track').getData();
      return data.geometry.coordinates.reduce((n, l) => n + l.length, 0);
    });
    assert.equal(drawn, 12);
    assert.deepEqual(errors, []);
  });
});
