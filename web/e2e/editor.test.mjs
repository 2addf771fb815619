// Browser tests of the grid editor. Each test starts its own gridd
// (`target/debug/gridd serve --demo` on a fresh GeoPackage and a free port,
// see startGridd in browser.mjs), so every edit starts from the demo data and
// no test sees another's changes, and signs in as the demo planner (planner
// over the demo subdistrict) first. GRIDD_URL is not used here.
//   node --test web/e2e/editor.test.mjs
// Screenshots go to artifacts/screenshots/ at the repository root.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  apiSession,
  closeBrowser,
  fitTo,
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

/** Open the editor page of a private server, signed in as the planner, with one grid selected (through a #/editor/grid/ link). */
async function openWith(t, gridId) {
  const srv = await startGridd();
  const b = await launch();
  t.after(async () => {
    await b.close();
    await srv.stop();
  });
  const page = b.page;
  page.setDefaultTimeout(15_000);
  await signIn(page, srv.url, 'planner');
  await page.goto(`${srv.url}/#/editor${gridId ? `/grid/${gridId}` : ''}`);
  if (gridId) await page.waitForFunction((id) => window.__gridd?.selected() === id, gridId);
  await mapIdle(page);
  return { srv, page, browser: b };
}

const editorState = (page) => page.evaluate(() => window.__gridd.editor());

/** The editor's message, once one is shown. */
async function editorMessage(page) {
  const m = page.locator('#edit-message');
  await m.waitFor();
  return m.innerText();
}

/**
 * Fail clearly when the server answered that an operation does not exist
 * (404/405): the test waits on that endpoint.
 */
async function failIfMissing(page, endpoint) {
  const msg = await page
    .locator('#edit-message')
    .innerText()
    .catch(() => '');
  if (/HTTP 40[45]/.test(msg)) assert.fail(`waits on ${endpoint}: the server answered "${msg}"`);
}

/** A small axis-aligned square (degrees) around a point. */
function square([x, y], dx, dy = dx / 2) {
  return [
    [x - dx, y - dy],
    [x + dx, y - dy],
    [x + dx, y + dy],
    [x - dx, y + dy],
  ];
}

/** Draw a polygon with Terra Draw by clicking its corners, then the first again to close it. */
async function drawPolygon(page, corners) {
  for (const c of corners) {
    const p = await screenOf(page, c);
    await page.mouse.click(p.x, p.y);
    await page.waitForTimeout(120);
  }
  const first = await screenOf(page, corners[0]);
  await page.mouse.click(first.x, first.y);
  await page.waitForFunction(() => window.__gridd.editor().mode === 'vertices');
}

async function fillNew(page, { name, code }) {
  await page.locator('#edit-name').fill(name);
  await page.locator('#edit-code').fill(code);
}

/** Grids of one level, with their geometry, from the private server. */
async function gridsOf(url, level) {
  return (await request(url, 'GET', `/api/v1/grids?level=${level}`)).body.features;
}

const key = (p) => `${p[0]},${p[1]}`;

/** Two rectangles side by side sharing an edge: the halves of square(at, d), as closed rings. */
function halves(at, d) {
  const [x, y] = at;
  const ring = (x0, x1) => [
    [x0, y - d / 2],
    [x1, y - d / 2],
    [x1, y + d / 2],
    [x0, y + d / 2],
    [x0, y - d / 2],
  ];
  return [ring(x - d, x), ring(x, x + d)];
}

/** A GeoPackage made from a GeoJSON FeatureCollection with GDAL (`ogr2ogr -f GPKG`). */
function toGeoPackage(t, fc) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridd-e2e-gpkg-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const src = path.join(dir, 'planned.geojson');
  const out = path.join(dir, 'planned.gpkg');
  fs.writeFileSync(src, JSON.stringify(fc));
  execFileSync('ogr2ogr', ['-f', 'GPKG', out, src], { stdio: 'pipe' });
  return fs.readFileSync(out);
}

/** Choose a file with the import button's input, check the confirmation names the parent, confirm. */
async function importFile(page, file, parentCode) {
  await page.locator('#edit-import-file').setInputFiles(file);
  await page.locator('#edit-dialog').waitFor({ state: 'visible' });
  const body = await page.locator('#edit-dialog').innerText();
  assert.ok(body.includes(parentCode), `the confirmation names the parent ${parentCode}: ${body}`);
  assert.ok(body.includes(file.name), body);
  await page.locator('#edit-dialog-ok').click();
}

/** The import report once the server has answered; its status must be `want`. */
async function importReport(page, want) {
  await page.locator('#edit-import-report:not([data-status="busy"])').waitFor();
  const box = page.locator('#edit-import-report');
  const text = await box.innerText();
  const status = await box.getAttribute('data-status');
  if (status !== want) {
    if (/HTTP 40[45]/.test(text)) assert.fail(`waits on POST /api/v1/grids/{id}/import: ${text}`);
    assert.fail(`import ${status}, expected ${want}: ${text}`);
  }
  return text;
}

/**
 * A vertex shared by exactly two L3 grids of one parent and by no L2 grid
 * (inside the parent), found on a throw-away demo server: { a, b, at }.
 */
async function sharedVertex() {
  const srv0 = await startGridd();
  try {
    const l3 = await gridsOf(srv0.url, 3);
    const l2 = await gridsOf(srv0.url, 2);
    const onL2 = new Set(l2.flatMap((f) => f.geometry.coordinates.flat().map(key)));
    const owners = new Map();
    for (const f of l3) {
      for (const p of f.geometry.coordinates[0].slice(0, -1)) {
        const k = key(p);
        if (!owners.has(k)) owners.set(k, new Set());
        owners.get(k).add(f.properties.id);
      }
    }
    for (const f of l3) {
      const ring = f.geometry.coordinates[0];
      for (let i = 1; i < ring.length - 1; i++) {
        const k = key(ring[i]);
        const ids = [...owners.get(k)];
        if (ids.length === 2 && !onL2.has(k)) return { a: f.properties.id, b: ids.find((x) => x !== f.properties.id), at: ring[i] };
      }
    }
    return null;
  } finally {
    await srv0.stop();
  }
}

/** Start editing grid `a` and drag the shared vertex `at` a few pixels; one vertex move recorded. */
async function dragSharedVertex(page, pick) {
  const d = 0.00004;
  await fitTo(page, [pick.at[0] - d, pick.at[1] - d / 2, pick.at[0] + d, pick.at[1] + d / 2], 40, 22);
  await page.keyboard.press('e');
  await page.waitForFunction((id) => window.__gridd.editor().mode === 'vertices' && window.__gridd.editor().session?.gridId === id, pick.a);
  await mapIdle(page);
  const from = await screenOf(page, pick.at);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let k = 1; k <= 6; k++) await page.mouse.move(from.x + 3 * k, from.y + 2 * k);
  await page.mouse.up();
  await page.waitForFunction(() => (window.__gridd.editor().session?.ops ?? 0) > 0);
}

describe('grid editor', () => {
  test('draw a grid and save it', async (t) => {
    const { srv, page } = await openWith(t, 33);
    const parent = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    const at = interiorPoint(parent.geometry);
    const corners = square(at, 0.00008);
    await fitTo(page, [at[0] - 0.0004, at[1] - 0.0002, at[0] + 0.0004, at[1] + 0.0002]);
    await page.locator('#edit-new').click();
    await page.waitForFunction(() => window.__gridd.editor().mode === 'draw');
    await drawPolygon(page, corners);
    // The grid names (the map's symbol layers) lie under the drawing: Terra Draw's layers are above them.
    const order = await page.evaluate(() => window.__gridd.map.getStyle().layers.map((l) => l.id));
    const drawing = order.filter((id) => id.startsWith('td-'));
    assert.ok(drawing.length > 0, `Terra Draw's layers are on the map: ${order.slice(-8)}`);
    for (const names of ['grid-labels-l1', 'grid-labels-l2'])
      assert.ok(order.includes(names) && order.indexOf(names) < order.indexOf(drawing[0]), `${names} under ${drawing[0]}`);
    await screenshot(page, '10-editor-drawn');
    const code = `${parent.properties.code}001`;
    // The suggested code (GET /grids/{id}/next-code) is used when the server has it.
    const suggested = await page.locator('#edit-code').inputValue();
    await fillNew(page, { name: '测试楼层网格', code: suggested || code });
    await page.locator('#edit-person-add').click();
    await page.locator('#edit-person-0-name').fill('张三');
    await page.locator('#edit-person-0-role').fill('网格员');
    await page.locator('#edit-person-0-phone').fill('13800000000');
    await page.locator('#edit-save').click();
    await page.waitForFunction(
      () =>
        window.__gridd.editor().session === null ||
        !!document.querySelector('#edit-message.error') ||
        document.querySelector('#edit-dialog')?.open,
    );
    const dialogOpen = await page.evaluate(() => document.querySelector('#edit-dialog').open);
    assert.equal(dialogOpen, false, 'a grid inside its parent, touching nothing, has no coverage problem');
    await failIfMissing(page, 'POST /api/v1/grids');
    assert.equal(
      (await editorState(page)).session,
      null,
      await page
        .locator('#edit-message')
        .innerText()
        .catch(() => ''),
    );
    const children = (await request(srv.url, 'GET', '/api/v1/grids/33/children')).body.features;
    const created = children.find((f) => f.properties.name === '测试楼层网格');
    assert.ok(created, 'the new grid is stored under its parent');
    assert.equal(created.properties.level, 4);
    assert.equal(created.geometry.coordinates[0].length, 5, 'four corners and the closing point');
    await page.waitForFunction((id) => window.__gridd.selected() === id, created.properties.id);
    await mapIdle(page);
    // The new grid is drawn from the tiles after the save.
    await page
      .waitForFunction(
        (id) => window.__gridd.map.querySourceFeatures('grids', { sourceLayer: 'grids_l4' }).some((f) => f.properties.id === id),
        created.properties.id,
      )
      .catch(async (e) => {
        const seen = await page.evaluate(() => ({
          zoom: window.__gridd.map.getZoom(),
          l4: window.__gridd.map.querySourceFeatures('grids', { sourceLayer: 'grids_l4' }).map((f) => f.properties.id),
        }));
        throw new Error(`the new grid ${created.properties.id} is not in the L4 tiles: ${JSON.stringify(seen)} (${e.message})`);
      });
    await screenshot(page, '11-editor-saved');
  });

  test('an overlap shows a warning before saving', async (t) => {
    // A new L3 grid drawn inside an existing L3 sibling (under the same L2 parent).
    const { srv, page } = await openWith(t, 7);
    const sibling = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    const at = interiorPoint(sibling.geometry);
    await fitTo(page, [at[0] - 0.0004, at[1] - 0.0002, at[0] + 0.0004, at[1] + 0.0002]);
    await page.keyboard.press('n');
    await page.waitForFunction(() => window.__gridd.editor().mode === 'draw');
    await drawPolygon(page, square(at, 0.0001));
    await fillNew(page, { name: '重叠测试', code: '320508990001001099' });
    await page.locator('#edit-save').click();
    const dialog = page.locator('#edit-dialog');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await dialog.innerText(), /破坏覆盖|breaks coverage/);
    const kinds = await page.locator('#edit-problems li').evaluateAll((els) => els.map((e) => e.dataset.kind));
    assert.ok(kinds.includes('overlap'), `problems listed: ${kinds}`);
    const drawn = await page.evaluate(() => window.__gridd.map.getSource('edit-problems')._data?.features?.length ?? -1);
    assert.ok(drawn !== 0, 'the problems are drawn on the map');
    await mapIdle(page);
    await screenshot(page, '12-editor-overlap-warning');
    // Saving without a reason is refused; cancelling keeps the draft unsaved.
    await page.locator('#edit-dialog-ok').click();
    assert.ok(await dialog.isVisible(), 'a reason is required');
    await page.locator('#edit-dialog-cancel').click();
    const children = (await request(srv.url, 'GET', '/api/v1/grids/7/children')).body.features;
    assert.ok(!children.some((f) => f.properties.name === '重叠测试'), 'nothing was saved');
    // Confirming with a reason saves it (the reason goes in X-Gridd-Reason).
    const sent = page.waitForRequest((r) => r.method() === 'POST' && /\/api\/v1\/grids$/.test(r.url()));
    await page.locator('#edit-save').click();
    await dialog.waitFor({ state: 'visible' });
    await page.locator('#edit-reason').fill('临时划分，下周调整');
    await page.locator('#edit-dialog-ok').click();
    const req = await sent;
    assert.equal(decodeURIComponent(req.headers()['x-gridd-reason']), '临时划分，下周调整');
  });

  test('a stale edit shows the conflict and can be reapplied', async (t) => {
    const { srv, page } = await openWith(t, 33);
    await page.keyboard.press('e');
    await page.waitForFunction(() => window.__gridd.editor().session?.gridId === 33);
    await page.locator('#edit-name').fill('我的修改');
    // Someone else (the subdistrict admin, in a session of their own) changes the grid behind the page's back.
    const cur = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    const admin = await apiSession(srv.url, 'admin');
    const other = await request(
      srv.url,
      'PUT',
      '/api/v1/grids/33',
      { type: 'Feature', geometry: cur.geometry, properties: { ...cur.properties, name: '别人的修改' } },
      { 'If-Match': `"${cur.properties.version}"`, ...admin.headers },
    );
    assert.equal(other.status, 200, JSON.stringify(other.body));
    await page.locator('#edit-save').click();
    await page.locator('#edit-conflict').waitFor();
    assert.match(await page.locator('#edit-conflict').innerText(), new RegExp(`${other.body.properties.version}`));
    const dashed = await page.evaluate(() => window.__gridd.map.getSource('edit-conflict')._data?.features?.length ?? -1);
    assert.notEqual(dashed, 0, 'the other version is drawn');
    await mapIdle(page);
    await screenshot(page, '13-editor-conflict');
    await page.locator('#edit-conflict-reapply').click();
    await page.waitForFunction(() => window.__gridd.editor().session === null);
    const after = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    assert.equal(after.properties.name, '我的修改');
    assert.equal(after.properties.version, other.body.properties.version + 1);
  });

  test('moving a shared vertex changes both grids and keeps coverage clean', async (t) => {
    const pick = await sharedVertex();
    assert.ok(pick, 'the demo data has a vertex shared by two L3 grids');
    const { srv, page } = await openWith(t, pick.a);
    // The coverage audit is read by a role that audits it.
    const auditor = await apiSession(srv.url, 'auditor');
    const before = {
      a: (await request(srv.url, 'GET', `/api/v1/grids/${pick.a}`)).body,
      b: (await request(srv.url, 'GET', `/api/v1/grids/${pick.b}`)).body,
      coverage: (await request(srv.url, 'GET', '/api/v1/coverage', undefined, auditor.headers)).body,
    };
    await dragSharedVertex(page, pick);
    const st = await editorState(page);
    assert.equal(st.session.ops, 1, 'one vertex move recorded');
    assert.match(await page.locator('.edit-note').innerText(), /1/);
    await screenshot(page, '14-editor-shared-vertex-moved');
    await page.locator('#edit-save').click();
    await page.waitForFunction(
      () =>
        window.__gridd.editor().session === null ||
        !!document.querySelector('#edit-message.error') ||
        document.querySelector('#edit-dialog')?.open,
    );
    if (await page.evaluate(() => document.querySelector('#edit-dialog').open)) {
      const problems = await page.locator('#edit-problems').innerText();
      assert.fail(`the coverage preview reported problems for a shared-vertex move: ${problems}`);
    }
    await failIfMissing(page, 'POST /api/v1/edits/move-vertex');
    assert.equal(
      (await editorState(page)).session,
      null,
      await page
        .locator('#edit-message')
        .innerText()
        .catch(() => ''),
    );
    const a = (await request(srv.url, 'GET', `/api/v1/grids/${pick.a}`)).body;
    const b = (await request(srv.url, 'GET', `/api/v1/grids/${pick.b}`)).body;
    assert.ok(a.properties.version > before.a.properties.version, 'grid A changed');
    assert.ok(b.properties.version > before.b.properties.version, 'grid B (the neighbour) changed too');
    const has = (g, p) => g.geometry.coordinates.flat().some((q) => key(q) === key(p));
    assert.ok(!has(a, pick.at) && !has(b, pick.at), 'the old vertex is gone from both');
    const coverage = (await request(srv.url, 'GET', '/api/v1/coverage', undefined, auditor.headers)).body;
    assert.ok(
      coverage.defects <= before.coverage.defects,
      `coverage still clean: ${coverage.defects} defects (before ${before.coverage.defects})`,
    );
    await mapIdle(page);
    await screenshot(page, '15-editor-shared-vertex-saved');
  });

  test('a vertex move names the version of every grid sharing it; a 428 shows the conflict and reapply saves', async (t) => {
    const pick = await sharedVertex();
    assert.ok(pick, 'the demo data has a vertex shared by two L3 grids');
    const { srv, page } = await openWith(t, pick.a);
    const version = async (id) => (await request(srv.url, 'GET', `/api/v1/grids/${id}`)).body.properties.version;
    const before = { a: await version(pick.a), b: await version(pick.b) };
    await dragSharedVertex(page, pick);
    // The server is made to answer as it will when a grid's version is missing.
    const sent = [];
    await page.route('**/api/v1/edits/move-vertex', async (route) => {
      sent.push(route.request().postDataJSON());
      await route.fulfill({
        status: 428,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Precondition Required',
          status: 428,
          detail: 'versions missing (test)',
          missing: [pick.b],
        }),
      });
    });
    await page.locator('#edit-save').click();
    await page.locator('#edit-conflict').waitFor();
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].versions, { [pick.a]: before.a, [pick.b]: before.b }, 'both grids named at the versions the editor loaded');
    assert.deepEqual(sent[0].from, pick.at);
    assert.match(await page.locator('#edit-message').innerText(), new RegExp(`${pick.b}`));
    assert.equal((await editorState(page)).session.conflict, true);
    // The real server takes the same operation.
    await page.unroute('**/api/v1/edits/move-vertex');
    const answered = page.waitForResponse((r) => r.url().includes('/api/v1/edits/move-vertex'));
    await page.locator('#edit-conflict-reapply').click();
    assert.equal((await answered).status(), 200);
    await page.waitForFunction(() => window.__gridd.editor().session === null);
    assert.equal(
      (await editorState(page)).session,
      null,
      await page
        .locator('#edit-message')
        .innerText()
        .catch(() => ''),
    );
    assert.ok((await version(pick.a)) > before.a && (await version(pick.b)) > before.b, 'both grids changed');
  });

  test('split a grid in two and merge them back', async (t) => {
    const { srv, page } = await openWith(t, 33);
    const g = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    const before = (await request(srv.url, 'GET', `/api/v1/grids/${g.properties.parent_id}/children`)).body.features.length;
    const at = interiorPoint(g.geometry);
    const xs = g.geometry.coordinates[0].map((p) => p[0]);
    const line = [
      [Math.min(...xs) - 0.0003, at[1]],
      [Math.max(...xs) + 0.0003, at[1]],
    ];
    const ys = g.geometry.coordinates[0].map((p) => p[1]);
    await fitTo(page, [line[0][0], Math.min(...ys), line[1][0], Math.max(...ys)], 30);
    await page.keyboard.press('s');
    await page.waitForFunction(() => window.__gridd.editor().mode === 'split');
    const p0 = await screenOf(page, line[0]);
    const p1 = await screenOf(page, line[1]);
    await page.mouse.click(p0.x, p0.y);
    await page.waitForTimeout(150);
    await page.mouse.click(p1.x, p1.y);
    await page.waitForTimeout(150);
    await page.mouse.click(p1.x, p1.y); // the last point again finishes the line
    await page.waitForFunction(() => window.__gridd.editor().mode !== 'split' || !!document.querySelector('#edit-message'));
    await page.locator('#edit-message').waitFor();
    await failIfMissing(page, 'POST /api/v1/grids/{id}/split');
    const children = (await request(srv.url, 'GET', `/api/v1/grids/${g.properties.parent_id}/children`)).body.features;
    assert.equal(children.length, before + 1, `split made one more grid: ${await editorMessage(page)}`);
    const created = children.find((f) => f.properties.id > 78); // the demo's ids end at 78
    await mapIdle(page);
    await screenshot(page, '16-editor-split');
    // Merge the new part back: 33 is still selected; M, then click the other part.
    await page.waitForFunction(() => window.__gridd.selected() === 33);
    await page.keyboard.press('m');
    await page.waitForFunction(() => window.__gridd.editor().mode === 'merge');
    const other = interiorPoint(created.geometry);
    const q = await screenOf(page, other);
    await page.mouse.click(q.x, q.y);
    await page.locator('#edit-dialog').waitFor({ state: 'visible' });
    // The split's message is still shown: wait for the merge's own answer (a 2xx is committed).
    const merged = page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/v1\/grids\/merge$/.test(r.url()));
    await page.locator('#edit-dialog-ok').click();
    await merged;
    await page.locator('#edit-message').waitFor();
    await failIfMissing(page, 'POST /api/v1/grids/merge');
    const after = (await request(srv.url, 'GET', `/api/v1/grids/${g.properties.parent_id}/children`)).body.features;
    assert.equal(after.length, before, 'merged back');
    await screenshot(page, '17-editor-merged');
  });

  test('undo and redo a vertex move; help overlay; import a GeoJSON file', async (t) => {
    const { srv, page } = await openWith(t, 36);
    await page.keyboard.press('?');
    await page.locator('#edit-help').waitFor();
    assert.match(await page.locator('#edit-help').innerText(), /Ctrl\+Z/);
    await screenshot(page, '18-editor-help');
    await page.keyboard.press('Escape');
    await page.locator('#edit-help').waitFor({ state: 'hidden' });
    await page.keyboard.press('e');
    await page.waitForFunction(() => window.__gridd.editor().mode === 'vertices');
    const g = await page.evaluate(() => fetch('api/v1/grids/36').then((r) => r.json()));
    const v = g.geometry.coordinates[0][1];
    const d = 0.00005;
    await fitTo(page, [v[0] - d, v[1] - d / 2, v[0] + d, v[1] + d / 2], 40, 22);
    const from = await screenOf(page, v);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let k = 1; k <= 6; k++) await page.mouse.move(from.x + 4 * k, from.y - 3 * k);
    await page.mouse.up();
    await page.waitForFunction(() => window.__gridd.editor().session?.ops === 1);
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => window.__gridd.editor().session?.ops === 0);
    assert.equal((await editorState(page)).session.redo, 1);
    await page.keyboard.press('Control+Shift+z');
    await page.waitForFunction(() => window.__gridd.editor().session?.ops === 1);
    // Discard the session, then import a GeoJSON file with two features under grid 36:
    // one with its own code, one without (the server gives it the next free code).
    await page.locator('#edit-cancel').click();
    await page.locator('#edit-dialog-ok').click();
    await page.waitForFunction(() => window.__gridd.editor().session === null);
    const [left, right] = halves(interiorPoint(g.geometry), 0.00003);
    const file = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          geometry: { type: 'Polygon', coordinates: [left] },
          properties: { name: '导入一', code: `${g.properties.code}007`, kind: 'commercial' },
        },
        { type: 'Feature', geometry: { type: 'Polygon', coordinates: [right] }, properties: { name: '导入二' } },
      ],
    };
    await importFile(
      page,
      { name: 'import.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(file)) },
      g.properties.code,
    );
    const report = await importReport(page, 'done');
    assert.equal(await page.locator('#edit-import-report .edit-created li').count(), 2, report);
    const children = (await request(srv.url, 'GET', '/api/v1/grids/36/children')).body.features.map((f) => f.properties);
    assert.equal(children.length, 2, 'both features stored under grid 36');
    const byName = Object.fromEntries(children.map((c) => [c.name, c]));
    assert.equal(byName['导入一'].code, `${g.properties.code}007`, 'a code in the file is kept');
    assert.equal(byName['导入一'].kind, 'commercial');
    assert.ok(
      byName['导入二'].code.startsWith(g.properties.code) && byName['导入二'].code !== byName['导入一'].code,
      byName['导入二'].code,
    );
    for (const c of children) {
      assert.equal(c.level, 4);
      assert.equal(c.parent_id, 36);
      assert.match(report, new RegExp(c.code));
    }
    // The page selects the first created grid and shows it in the tree.
    await page.waitForFunction(
      (ids) => ids.includes(window.__gridd.selected()),
      children.map((c) => c.id),
    );
    await screenshot(page, '19-editor-import');
  });

  test('import a GeoPackage file under a grid', async (t) => {
    const { srv, page } = await openWith(t, 36);
    const g = (await request(srv.url, 'GET', '/api/v1/grids/36')).body;
    const before = (await request(srv.url, 'GET', '/api/v1/grids/36/children')).body.features.length;
    const [left, right] = halves(interiorPoint(g.geometry), 0.00003);
    const gpkg = toGeoPackage(t, {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Polygon', coordinates: [left] }, properties: { name: '包内网格', kind: 'residential' } },
        { type: 'Feature', geometry: { type: 'Polygon', coordinates: [right] }, properties: { kind: 'commercial' } },
      ],
    });
    assert.equal(gpkg.subarray(0, 15).toString(), 'SQLite format 3');
    await importFile(page, { name: 'planned.gpkg', mimeType: 'application/geopackage+sqlite3', buffer: gpkg }, g.properties.code);
    const report = await importReport(page, 'done');
    const children = (await request(srv.url, 'GET', '/api/v1/grids/36/children')).body.features.map((f) => f.properties);
    assert.equal(children.length, before + 2, report);
    const codes = children.map((c) => c.code);
    assert.equal(new Set(codes).size, codes.length, `distinct codes: ${codes}`);
    for (const c of children) {
      assert.equal(c.parent_id, 36);
      assert.equal(c.level, 4);
      assert.ok(
        c.code.startsWith(g.properties.code) && c.code.length > g.properties.code.length,
        `${c.code} is under ${g.properties.code}`,
      );
      assert.match(report, new RegExp(c.code));
    }
    assert.ok(
      children.some((c) => c.name === '包内网格'),
      'the name from the GeoPackage is kept',
    );
    assert.ok(children.some((c) => c.kind === 'commercial'));
    const ids = children.map((c) => c.id);
    await page.waitForFunction((ids) => ids.includes(window.__gridd.selected()), ids);
    // The map is refreshed: the new grids come from the L4 tiles.
    await mapIdle(page);
    await page.waitForFunction((ids) => {
      const seen = new Set(window.__gridd.map.querySourceFeatures('grids', { sourceLayer: 'grids_l4' }).map((f) => f.properties.id));
      return ids.every((id) => seen.has(id));
    }, ids);
    // The tree lists them, the selected one highlighted.
    for (const id of ids) await page.locator(`#tree li[data-grid-id="${id}"]`).waitFor({ state: 'attached' });
    const sel = await page.evaluate(() => window.__gridd.selected());
    assert.equal(await page.locator(`#tree li[data-grid-id="${sel}"]`).getAttribute('aria-selected'), 'true');
    await screenshot(page, '20-editor-import-gpkg');
  });

  test('an import with bad features lists every error and stores nothing', async (t) => {
    // Nothing selected: the file would become level 1 grids of the subdistrict.
    const { srv, page } = await openWith(t, null);
    const count = async () => (await request(srv.url, 'GET', '/api/v1/grids')).body.features.length;
    const l1 = (await request(srv.url, 'GET', '/api/v1/grids?level=1')).body.features;
    const before = await count();
    const sub = (await request(srv.url, 'GET', '/api/v1/subdistricts')).body[0];
    const [left, right] = halves(interiorPoint(l1[0].geometry), 0.00003);
    const file = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Polygon', coordinates: [left] }, properties: { name: '好的' } },
        {
          type: 'Feature',
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [0, 0],
                [1, 1],
                [0, 0],
              ],
            ],
          },
          properties: { name: '坏的' },
        },
        { type: 'Feature', geometry: { type: 'Polygon', coordinates: [right] }, properties: { name: '也好' } },
        { type: 'Feature', geometry: { type: 'Point', coordinates: [0, 0] }, properties: { name: '是个点' } },
      ],
    };
    await importFile(page, { name: 'bad.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(file)) }, sub.code);
    const report = await importReport(page, 'refused');
    assert.match(report, /未导入任何网格/, report);
    assert.equal(await page.locator('#edit-import-report li[data-index="1"]').count(), 1, report);
    assert.equal(await page.locator('#edit-import-report li[data-index="3"]').count(), 1, report);
    assert.equal(await page.locator('#edit-import-report li[data-index="0"]').count(), 0, report);
    assert.match(report, /#1/);
    assert.match(report, /#3/);
    assert.equal(await count(), before, 'nothing was stored');
    assert.equal((await request(srv.url, 'GET', '/api/v1/grids?level=1')).body.features.length, l1.length);
    assert.equal(await page.evaluate(() => window.__gridd.selected()), null);
    await screenshot(page, '21-editor-import-refused');
    await page.locator('#edit-close').click();
    await page.locator('#edit-import-report').waitFor({ state: 'hidden' });
  });
});
