// Browser tests of the map workspace (the editor page, #/editor) against a
// running gridd with the demo data (read-only), signed in as the demo planner
// (the editor's own users):
//   GRIDD_URL=http://127.0.0.1:8080 node --test web/e2e/
// Every test opens its own page in a fresh browser context, so none depends
// on another's state or order. Screenshots go to artifacts/screenshots/.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clickLngLat, closeBrowser, getJson, griddUrl, gridState, interiorPoint, launch, mapIdle, screenshot, signIn } from './browser.mjs';

/** Grids of the API tree, flattened with their ancestors' ids. */
function flatten(tree) {
  const out = [];
  const walk = (nodes, ancestors) => {
    for (const n of nodes) {
      out.push({ ...n, ancestors });
      walk(n.children ?? [], [...ancestors, n.id]);
    }
  };
  for (const sub of tree) walk(sub.children ?? [], []);
  return out;
}

const row = (page, id) => page.locator(`li[data-grid-id="${id}"] > .tree-row`);

/** A fresh page on the map workspace (optionally at a hash), signed in as the demo planner, once the map is idle. */
async function open(t, hash = '', size) {
  const b = await launch(size);
  t.after(() => b.close());
  b.page.setDefaultTimeout(10_000);
  await signIn(b.page, griddUrl(), 'planner');
  await b.page.goto(`${griddUrl()}/${hash}`);
  await b.page.waitForFunction(() => !!window.__gridd?.map);
  await mapIdle(b.page);
  await b.page.locator('li[role="treeitem"][aria-level="2"]').first().waitFor({ state: 'attached' });
  return b;
}

after(() => closeBrowser());

/**
 * Once the map has drawn everything after a change (camera, level switch):
 * MapLibre's `idle`, which also waits for the symbols' placement and fade.
 */
async function settled(page) {
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const m = window.__gridd.map;
        m.once('idle', resolve);
        m.triggerRepaint();
      }),
  );
}

/** Move the map at once and wait until it has drawn the view. */
async function viewAt(page, center, zoom) {
  await page.evaluate(([c, z]) => window.__gridd.map.jumpTo({ center: c, zoom: z }), [center, zoom]);
  await settled(page);
}

/**
 * The grid names the map draws now (placed symbols of the label layers, after
 * collision detection), by level: { 1: [names], 2: [names] }.
 */
async function drawnNames(page) {
  return page.evaluate(() => {
    const m = window.__gridd.map;
    const out = { 1: new Set(), 2: new Set() };
    const layers = ['grid-labels-l1', 'grid-labels-l2'].filter((l) => m.getLayer(l));
    for (const f of m.queryRenderedFeatures({ layers })) out[f.properties.level].add(f.properties.name);
    return { 1: [...out[1]].sort(), 2: [...out[2]].sort() };
  });
}

describe('map page', () => {
  let grids;

  before(async () => {
    grids = flatten(await getJson('/api/v1/tree'));
  });

  test('has the page title and redirects / to the editor', async (t) => {
    const { page } = await open(t);
    assert.equal(await page.title(), '网格编辑 · 网格地图 · gridd');
    assert.match(new URL(page.url()).hash, /^#\/editor/);
    assert.equal(await page.locator('nav a[aria-current="page"]').getAttribute('data-page'), 'editor');
  });

  test('shows the map canvas on the server style with the grids loaded', async (t) => {
    const { page, errors } = await open(t);
    await page.locator('canvas.maplibregl-canvas').waitFor({ state: 'visible' });
    // The grids come from the server's vector tiles (one source-layer per level).
    await page.waitForFunction(() => {
      const m = window.__gridd?.map;
      return !!m && m.isSourceLoaded('grids') && m.querySourceFeatures('grids', { sourceLayer: 'grids_l1' }).length > 0;
    });
    await mapIdle(page);
    const levels = await page.evaluate(() => {
      const seen = new Map();
      for (const layer of ['grids_l1', 'grids_l2', 'grids_l3']) {
        for (const f of window.__gridd.map.querySourceFeatures('grids', { sourceLayer: layer })) {
          seen.set(f.properties.id, f.properties.level);
        }
      }
      return [...new Set(seen.values())].sort();
    });
    assert.deepEqual(levels, [1, 2, 3]);
    const style = await page.evaluate(() => window.__gridd.map.getStyle().sources.grids);
    assert.equal(style.type, 'vector');
    assert.match(style.url, /\/tiles\/grids\.json$/);
    // The style is the server's: every one of its layers is on the map, in its order.
    const server = await getJson('/styles/default.json');
    const ours = await page.evaluate(() => window.__gridd.map.getStyle().layers.map((l) => l.id));
    assert.deepEqual(
      ours.slice(0, server.layers.length),
      server.layers.map((l) => l.id),
    );
    // The server's style carries the feature-state expressions and kind colours the app drives:
    // the app's patch leaves every grid layer as the server wrote it.
    const gridLayer = (id) => /^grids_l\d-(fill|line)$/.test(id);
    const paint = await page.evaluate(() => Object.fromEntries(window.__gridd.map.getStyle().layers.map((l) => [l.id, l.paint ?? null])));
    const served = server.layers.filter((l) => gridLayer(l.id));
    assert.equal(served.length, 10, 'fill and line layers of five levels');
    for (const l of served) assert.deepEqual(paint[l.id], l.paint, `${l.id} as the server wrote it`);
    assert.ok(JSON.stringify(served).includes('"feature-state"'));
    assert.deepEqual(Object.keys(server.metadata['gridd:kind-colors']).sort(), ['commercial', 'other', 'residential', 'scattered']);
    // The legend shows each level's own colour, not the selection colour of the expressions.
    const l1 = server.layers.find((l) => l.id === 'grids_l1-line').paint['line-color'].at(-1);
    const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    const swatch = await page
      .locator('.legend-swatch')
      .first()
      .evaluate((e) => getComputedStyle(e).borderTopColor);
    assert.equal(swatch, rgb(l1));
    assert.match(await page.locator('.maplibregl-ctrl-attrib').innerText(), /© OpenStreetMap contributors/);
    assert.equal(await page.locator('#status').isVisible(), false, 'loading message is gone');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
    await screenshot(page, '01-map-1280x720');
    assert.deepEqual(errors, []);
  });

  test('the grid names are map symbols over the served glyphs, placed without overlaps: L1 zoomed out, L2 zoomed in, by the level switch', async (t) => {
    const { page, errors } = await open(t);
    const names = (level) => new Set(grids.filter((g) => g.level === level).map((g) => g.name));
    const l1 = names(1);
    const l2 = names(2);
    const [a, b, c, d] = (await getJson('/api/v1/subdistricts'))[0].bbox;
    const centre = [(a + c) / 2, (b + d) / 2];
    // No HTML labels: the names are symbols of the map's own layers, in the font the style names.
    assert.equal(await page.locator('.maplibregl-marker').count(), 0, 'no HTML markers');
    const font = await page.evaluate(() => window.__gridd.map.getLayoutProperty('grid-labels-l1', 'text-font'));
    const served = await getJson('/styles/default.json');
    assert.ok(served.glyphs, 'the server style has glyphs');
    assert.deepEqual(font, [served.metadata['gridd:fonts'][0]]);

    // Zoomed out over the whole subdistrict: every community is named, nothing else.
    await page.evaluate(
      (bb) => window.__gridd.map.fitBounds(bb, { duration: 0, padding: 20 }),
      [
        [a, b],
        [c, d],
      ],
    );
    await settled(page);
    let drawn = await drawnNames(page);
    assert.ok((await page.evaluate(() => window.__gridd.map.getZoom())) < 15.5);
    assert.deepEqual(drawn[1], [...l1].sort(), 'the six communities are named');
    assert.deepEqual(drawn[2], [], 'no L2 names below zoom 15.5');
    await screenshot(page, '01b-names-subdistrict');
    // Collision-aware: far out, with every community's label point still in view, names that would
    // overlap are left out rather than drawn over each other.
    await viewAt(page, centre, 11.5);
    const inView = await page.evaluate(() => {
      const m = window.__gridd.map;
      const { width, height } = m.getCanvas().getBoundingClientRect();
      const ids = new Set();
      for (const f of m.querySourceFeatures('grid-labels')) {
        const p = m.project(f.geometry.coordinates);
        if (f.properties.level === 1 && p.x >= 0 && p.y >= 0 && p.x <= width && p.y <= height) ids.add(f.properties.id);
      }
      return ids.size;
    });
    assert.equal(inView, l1.size, 'every community’s label point is in view');
    const far = await drawnNames(page);
    assert.ok(far[1].length >= 1 && far[1].length < l1.size, `some, not all, names at zoom 11.5: ${far[1]}`);

    // The label point of a grid of each level (the source holds one per L1 / L2 grid, inside it).
    const points = await page.evaluate(() => window.__gridd.map.getSource('grid-labels').serialize().data.features);
    assert.equal(points.length, l1.size + l2.size, 'one label point per L1 and L2 grid');
    const one = (level) => points.find((f) => f.properties.level === level);
    const [p1, p2] = [one(1), one(2)];

    // Zoomed in on an L2 grid: the L2 grids are named, the communities no longer (with every level shown).
    await viewAt(page, p2.geometry.coordinates, 16.5);
    drawn = await drawnNames(page);
    assert.ok(drawn[2].includes(p2.properties.name), `${p2.properties.name} is named at zoom 16.5: ${drawn[2]}`);
    for (const n of drawn[2]) assert.ok(l2.has(n), `${n} is an L2 grid`);
    assert.deepEqual(drawn[1], [], 'no L1 names from zoom 16 with every level shown');
    await screenshot(page, '01c-names-zoom-16.5');
    // Between 15.5 and 16 both levels are named (where they do not collide).
    await viewAt(page, p1.geometry.coordinates, 15.75);
    drawn = await drawnNames(page);
    assert.ok(drawn[1].includes(p1.properties.name), `${p1.properties.name} at 15.75: ${drawn[1]}`);
    assert.ok(drawn[2].length >= 1, `L2 names at 15.75: ${drawn[2]}`);

    // Only L1 shown: the communities are named up to zoom 17.5, the L2 grids not at all.
    await page.locator('#level-switch button[data-level="1"]').click();
    await viewAt(page, p1.geometry.coordinates, 17.25);
    drawn = await drawnNames(page);
    assert.deepEqual(drawn, { 1: [p1.properties.name], 2: [] }, 'only the community named, with only L1 shown');
    await viewAt(page, p1.geometry.coordinates, 17.75);
    assert.deepEqual(await drawnNames(page), { 1: [], 2: [] }, 'no names past 17.5');
    // Only L2: its names, no community's.
    await page.locator('#level-switch button[data-level="2"]').click();
    await viewAt(page, p2.geometry.coordinates, 16.5);
    drawn = await drawnNames(page);
    assert.ok(drawn[2].includes(p2.properties.name), `L2 names with only L2 shown: ${drawn[2]}`);
    assert.deepEqual(drawn[1], []);
    await viewAt(page, p2.geometry.coordinates, 15.25);
    assert.deepEqual(await drawnNames(page), { 1: [], 2: [] }, 'no L2 names below 15.5');
    // Only L3: no names (hover shows L3 grids).
    await page.locator('#level-switch button[data-level="3"]').click();
    await viewAt(page, p2.geometry.coordinates, 16.5);
    assert.deepEqual(await drawnNames(page), { 1: [], 2: [] });
    await page.locator('#level-switch button[data-level="all"]').click();
    await viewAt(page, p1.geometry.coordinates, 14.5);
    assert.ok((await drawnNames(page))[1].includes(p1.properties.name), 'the communities are named again');

    // Over the grids and the coverage problems, under the editor's overlays.
    const order = await page.evaluate(() => window.__gridd.map.getStyle().layers.map((l) => l.id));
    const at = (id) => order.indexOf(id);
    assert.ok(at('grids_l3-line') < at('grid-labels-l2') && at('grid-labels-l2') < at('grid-labels-l1'));
    assert.ok(at('coverage-active') < at('grid-labels-l2') && at('grid-labels-l1') < at('edit-context-line'));
    assert.equal(await page.locator('.maplibregl-marker').count(), 0, 'still no HTML markers');
    assert.deepEqual(errors, []);
  });

  test('the tree shows the six L1 communities', async (t) => {
    const { page } = await open(t);
    const l1 = grids.filter((g) => g.level === 1);
    assert.equal(l1.length, 6, 'the demo data has six communities');
    const items = page.locator('li[role="treeitem"][aria-level="2"]');
    assert.equal(await items.count(), 6);
    const codes = await items.evaluateAll((els) => els.map((e) => e.dataset.code));
    assert.deepEqual(codes.sort(), l1.map((g) => g.code).sort());
    const first = await items.first().locator('> .tree-row').innerText();
    assert.match(first, new RegExp(l1.find((g) => g.code === codes[0]).name));
  });

  test('clicking a tree item selects the grid (feature state on the tiles), Esc clears it', async (t) => {
    const { page } = await open(t);
    const l1 = grids.find((g) => g.level === 1);
    await row(page, l1.id).click();
    await page.waitForFunction((id) => window.__gridd.selected() === id, l1.id);
    await assert.doesNotReject(page.locator('#details [data-field="code"]', { hasText: l1.code }).waitFor({ timeout: 15_000 }));
    assert.equal(await page.locator('#details [data-field="name"]').innerText(), l1.name);
    // The highlight is feature state on the tile feature whose id is the grid's.
    assert.equal((await gridState(page, l1.id, 1)).selected, true);
    assert.equal(await page.locator(`li[data-grid-id="${l1.id}"]`).getAttribute('aria-selected'), 'true');
    assert.match(new URL(page.url()).hash, new RegExp(`^#/editor/grid/${l1.id}(\\?|$)`), 'the grid is in the address');
    await mapIdle(page);
    await screenshot(page, '02-tree-selects-l1');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => window.__gridd.selected() === null);
    assert.equal((await gridState(page, l1.id, 1)).selected, false);
    assert.equal(await page.locator('li[role="treeitem"][aria-selected="true"]').count(), 0);
    assert.doesNotMatch(new URL(page.url()).hash, /grid/);
  });

  test('hovering a grid sets its hover state', async (t) => {
    const { page } = await open(t);
    const l1 = grids.find((g) => g.level === 1);
    const feature = await getJson(`/api/v1/grids/${l1.id}`);
    await page.locator('#level-switch button[data-level="1"]').click();
    const p = await page.evaluate((ll) => {
      const pt = window.__gridd.map.project(ll);
      const r = window.__gridd.map.getCanvas().getBoundingClientRect();
      return { x: r.left + pt.x, y: r.top + pt.y };
    }, interiorPoint(feature.geometry));
    await page.mouse.move(p.x, p.y);
    await page.waitForFunction(
      (id) => window.__gridd.map.getFeatureState({ source: 'grids', sourceLayer: 'grids_l1', id }).hover === true,
      l1.id,
    );
    assert.ok(await page.locator('#tooltip').isVisible());
  });

  test('clicking the map picks the deepest grid and selects it in the tree', async (t) => {
    const { page } = await open(t);
    const l3 = grids.find((g) => g.level === 3);
    assert.ok(l3, 'the demo data has L3 grids');
    const feature = await getJson(`/api/v1/grids/${l3.id}`);
    await clickLngLat(page, interiorPoint(feature.geometry));
    await page.waitForFunction((id) => window.__gridd.selected() === id, l3.id);
    const item = page.locator(`li[data-grid-id="${l3.id}"]`);
    assert.equal(await item.getAttribute('aria-selected'), 'true');
    await assert.doesNotReject(row(page, l3.id).waitFor({ state: 'visible', timeout: 15_000 }));
    for (const id of l3.ancestors) {
      assert.equal(await page.locator(`li[data-grid-id="${id}"]`).getAttribute('aria-expanded'), 'true');
    }
    const inView = await row(page, l3.id).evaluate((el) => {
      const box = el.getBoundingClientRect();
      const sc = el.closest('.tree-scroll').getBoundingClientRect();
      return box.top >= sc.top - 1 && box.bottom <= sc.bottom + 1;
    });
    assert.ok(inView, 'the selected tree item is scrolled into view');
    await assert.doesNotReject(page.locator('#details [data-field="code"]', { hasText: l3.code }).waitFor({ timeout: 15_000 }));
    assert.equal((await gridState(page, l3.id, 3)).selected, true);
    await screenshot(page, '03-map-selects-l3');
  });

  test('a tree click flies to the grid and a map click at its centre selects it again', async (t) => {
    const { page } = await open(t);
    const l3 = grids.filter((g) => g.level === 3).at(-1);
    await row(page, l3.ancestors[0]).click();
    await row(page, l3.ancestors[1]).click();
    await row(page, l3.id).click();
    await page.waitForFunction((id) => window.__gridd.selected() === id, l3.id);
    await mapIdle(page);
    const feature = await getJson(`/api/v1/grids/${l3.id}`);
    const inBounds = await page.evaluate((g) => {
      const b = window.__gridd.map.getBounds();
      const ring = g.type === 'Polygon' ? g.coordinates[0] : g.coordinates[0][0];
      return ring.every(([x, y]) => b.contains([x, y]));
    }, feature.geometry);
    assert.ok(inBounds, 'the map shows the whole selected grid');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => window.__gridd.selected() === null);
    await clickLngLat(page, interiorPoint(feature.geometry));
    await page.waitForFunction((id) => window.__gridd.selected() === id, l3.id);
    assert.equal(await page.locator(`li[data-grid-id="${l3.id}"]`).getAttribute('aria-selected'), 'true');
    await screenshot(page, '04-tree-flies-to-l3');
  });

  test('with only L1 shown, a map click picks the community', async (t) => {
    const { page } = await open(t);
    const l1 = grids.filter((g) => g.level === 1).at(-1);
    await page.locator('#level-switch button[data-level="1"]').click();
    assert.equal(await page.evaluate(() => window.__gridd.map.getLayoutProperty('grids_l3-fill', 'visibility')), 'none');
    const [a, b, c, d] = (await getJson('/api/v1/subdistricts'))[0].bbox;
    await page.evaluate(
      (bb) => window.__gridd.map.fitBounds(bb, { duration: 0, padding: 20 }),
      [
        [a, b],
        [c, d],
      ],
    );
    await mapIdle(page);
    const feature = await getJson(`/api/v1/grids/${l1.id}`);
    await clickLngLat(page, interiorPoint(feature.geometry));
    await page.waitForFunction((id) => window.__gridd.selected() === id, l1.id);
    await page.locator('#level-switch button[data-level="all"]').click();
  });

  test('arrow keys move within the tree', async (t) => {
    const { page } = await open(t);
    const l1s = grids.filter((g) => g.level === 1);
    await row(page, l1s[0].id).click();
    await page.waitForFunction((id) => window.__gridd.selected() === id, l1s[0].id);
    // The click expanded the first community: ↓ enters it, ← goes back up.
    await page.keyboard.press('ArrowDown');
    const child = l1s[0].children[0];
    await page.waitForFunction((id) => window.__gridd.selected() === id, child.id);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((id) => window.__gridd.selected() === id, l1s[0].id);
    await page.keyboard.press('ArrowLeft'); // collapse
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction((id) => window.__gridd.selected() === id, l1s[1].id);
    assert.equal(await page.evaluate(() => document.activeElement?.closest('li')?.dataset.gridId), String(l1s[1].id));
  });

  test('the search box filters the tree by code', async (t) => {
    const { page } = await open(t);
    const l3 = grids.filter((g) => g.level === 3)[1];
    await page.locator('#tree-filter').fill(l3.code);
    const visible = page.locator('li[role="treeitem"]:visible');
    const keys = await visible.evaluateAll((els) => els.map((e) => e.dataset.gridId ?? 'subdistrict'));
    assert.deepEqual(keys, ['subdistrict', ...l3.ancestors.map(String), String(l3.id)]);
    await page.locator('#tree-filter').fill('no such grid 123456789');
    assert.ok(await page.locator('#tree-empty').isVisible());
    await page.locator('#tree-filter').fill('');
    assert.equal(await page.locator('li[role="treeitem"][aria-level="2"]:visible').count(), 6);
  });

  test('a #/editor/grid/ link and an old #grid= link select the grid on load', async (t) => {
    const l2 = grids.find((g) => g.level === 2);
    const { page } = await open(t, `#/editor/grid/${l2.id}`);
    await page.waitForFunction((id) => window.__gridd?.selected() === id, l2.id);
    await assert.doesNotReject(page.locator('#details [data-field="code"]', { hasText: l2.code }).waitFor({ timeout: 15_000 }));
    await page.goto('about:blank');
    await page.goto(`${griddUrl()}/#grid=${l2.id}`);
    await page.waitForFunction((id) => window.__gridd?.selected() === id, l2.id);
    assert.match(new URL(page.url()).hash, new RegExp(`^#/editor/grid/${l2.id}`), 'the old link is rewritten');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => window.__gridd.selected() === null);
    assert.doesNotMatch(new URL(page.url()).hash, /grid/);
  });

  test('a map view link opens the map there, and the view follows the map', async (t) => {
    const l3 = grids.find((g) => g.level === 3);
    const at = interiorPoint((await getJson(`/api/v1/grids/${l3.id}`)).geometry);
    const { page } = await open(t, `#/editor/grid/${l3.id}?map=17.25/${at[1]}/${at[0]}`);
    await page.waitForFunction((id) => window.__gridd?.selected() === id, l3.id);
    await mapIdle(page);
    const view = await page.evaluate(() => ({ z: window.__gridd.map.getZoom(), c: window.__gridd.map.getCenter() }));
    assert.ok(Math.abs(view.z - 17.25) < 0.01, `zoom ${view.z}`);
    assert.ok(Math.abs(view.c.lng - at[0]) < 1e-5 && Math.abs(view.c.lat - at[1]) < 1e-5);
    await page.evaluate(() => window.__gridd.map.jumpTo({ zoom: 16 }));
    await page.waitForFunction(() => /\?map=16\.00\//.test(location.hash));
    assert.match(new URL(page.url()).hash, new RegExp(`^#/editor/grid/${l3.id}\\?map=16\\.00/`));
  });

  test('the language switch turns the UI English and is remembered', async (t) => {
    const { page } = await open(t);
    await page.locator('#lang-switch').click();
    assert.equal(await page.title(), 'Grid editor · Grid map · gridd');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('.tree-section h2').innerText(), 'Grid hierarchy');
    assert.equal(await page.locator('#level-switch button[data-level="all"]').innerText(), 'All');
    assert.match(await page.locator('#details').innerText(), /Pick a grid on the map/);
    const l1 = grids.find((g) => g.level === 1);
    await row(page, l1.id).click();
    await page.locator('#details [data-field="code"]', { hasText: l1.code }).waitFor();
    assert.match(await page.locator('#details').innerText(), /Grid code[\s\S]*Households[\s\S]*Parent/);
    await mapIdle(page);
    await screenshot(page, '05-english');
    await page.reload();
    await page.waitForFunction(() => document.title === 'Grid editor · Grid map · gridd');
    assert.equal(await page.locator('#lang-switch').innerText(), '中文');
  });

  test('an API error shows its detail to the user', async (t) => {
    const b = await launch();
    t.after(() => b.close());
    const page = b.page;
    page.setDefaultTimeout(10_000);
    await page.route('**/api/v1/tree', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Service Unavailable',
          status: 503,
          detail: 'the store is being migrated (test)',
          errors: [],
        }),
      }),
    );
    // The page asks for the tree only once its map is ready, which takes a
    // while on a loaded machine: wait for the answers, then for what they show.
    const api = (status) => (res) => res.url().includes('/api/v1/tree') && res.status() === status;
    await Promise.all([page.waitForResponse(api(503), { timeout: 60_000 }), page.goto(`${griddUrl()}/`)]);
    await page.locator('#error', { hasText: 'the store is being migrated (test)' }).waitFor();
    await screenshot(page, '06-api-error');
    await page.unroute('**/api/v1/tree');
    await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    const refused = page.waitForEvent('requestfailed', { predicate: (r) => r.url().includes('/api/v1/'), timeout: 30_000 });
    await page.locator('#error-retry').click();
    await refused;
    await page.locator('#error', { hasText: /无法连接服务器|cannot be reached/ }).waitFor();
    await page.unroute('**/api/v1/**');
    const answered = page.waitForResponse(api(200), { timeout: 30_000 });
    await page.locator('#error-retry').click();
    await answered;
    await page.locator('#error').waitFor({ state: 'hidden' });
    assert.deepEqual(b.errors, [], 'no uncaught page errors');
  });
});

describe('tablet', () => {
  test('the side panel collapses and opens on a narrow screen', async (t) => {
    const { page } = await open(t, '', { width: 768, height: 1024 });
    const panel = page.locator('#side-panel');
    const toggle = page.locator('#panel-toggle');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false', 'starts collapsed on a narrow screen');
    await screenshot(page, '07-tablet-collapsed');
    await toggle.click();
    await page.waitForFunction(() => document.getElementById('side-panel').getBoundingClientRect().left >= 0);
    assert.ok(await panel.isVisible());
    await page.locator('li[role="treeitem"][aria-level="2"] > .tree-row').first().click();
    await page.waitForFunction(() => window.__gridd.selected() !== null);
    await page.waitForTimeout(300);
    await screenshot(page, '08-tablet-panel-open');
  });
});
