// Helpers for the browser tests: Debian's Chromium through playwright-core
// (no browser is ever downloaded), the server URL, screenshots, geometry.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCREENSHOT_DIR = path.resolve(here, '../../artifacts/screenshots');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Base URL of the gridd under test, without a trailing slash. */
export function griddUrl() {
  const url = process.env.GRIDD_URL;
  if (!url) {
    throw new Error(
      'GRIDD_URL is not set: start gridd with the demo data and run e.g. ' + 'GRIDD_URL=http://127.0.0.1:8080 node --test web/e2e/',
    );
  }
  return url.replace(/\/+$/, '');
}

let shared = null;

/** One Chromium per test file; each test gets its own context (fresh storage, so no language choice leaks). */
async function browser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
  }
  shared ??= chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return shared;
}

/** Close the file's Chromium (call from a top-level `after`). */
export async function closeBrowser() {
  if (shared) await (await shared).close();
  shared = null;
}

/** A fresh browser context and page of the given size; `close()` ends it. */
export async function launch({ width = 1280, height = 720 } = {}) {
  const context = await (await browser()).newContext({ viewport: { width, height }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The server enforces a Content-Security-Policy (script-src 'self', no inline script):
  // anything it blocks counts as a page error.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
    },
  };
}

export async function screenshot(page, name) {
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}

/** The feature state of a grid on one level's tiles (hover / selected / hidden). */
export async function gridState(page, id, level) {
  return page.evaluate(
    ([id, level]) => window.__gridd.map.getFeatureState({ source: 'grids', sourceLayer: `grids_l${level}`, id }),
    [id, level],
  );
}

export async function getJson(pathname) {
  const res = await fetch(`${griddUrl()}${pathname}`, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET ${pathname}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Wait until the map has stopped moving and drawn everything it has. Not
 * `loaded()`: an animated paint property (the command center's overdue pulse)
 * keeps the style "dirty" for good, while style and tiles are all there.
 */
export async function mapIdle(page) {
  await page.waitForFunction(() => {
    const m = window.__gridd?.map;
    return !!m && m.isStyleLoaded() && !m.isMoving() && m.areTilesLoaded();
  });
}

/**
 * Do `act` (a click that flies the map), then wait until the flight it started
 * has ended. The start is caught by a `movestart` listener set before `act`: an
 * 800 ms flight on a loaded machine can be over before a poll of `isMoving()`.
 */
export async function flightOf(page, act) {
  await page.evaluate(() => {
    window.__flightStarted = false;
    window.__gridd.map.once('movestart', () => {
      window.__flightStarted = true;
    });
  });
  await act();
  await page.waitForFunction(() => window.__flightStarted === true);
  await mapIdle(page);
}

/**
 * A point inside a (multi)polygon: the middle of the widest inside span of a
 * few horizontal lines (a centroid can fall outside a concave grid).
 */
export function interiorPoint(geometry) {
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let best = null;
  for (const rings of polys) {
    const ys = rings[0].map((p) => p[1]);
    const minY = Math.min(...ys);
    const maxY = Math.max(...ys);
    for (let i = 1; i <= 9; i++) {
      const y = minY + ((maxY - minY) * i) / 10;
      const xs = [];
      for (const ring of rings) {
        for (let k = 0, j = ring.length - 1; k < ring.length; j = k++) {
          const [x1, y1] = ring[j];
          const [x2, y2] = ring[k];
          if (y1 > y !== y2 > y) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
        }
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const w = xs[k + 1] - xs[k];
        if (!best || w > best.w) best = { lng: (xs[k] + xs[k + 1]) / 2, lat: y, w };
      }
    }
  }
  if (!best) throw new Error('no interior point');
  return [best.lng, best.lat];
}

/**
 * Click the map canvas at a longitude/latitude. If an overlay (legend,
 * controls, the open panel) covers that spot, the map is first centred on it.
 */
export async function clickLngLat(page, lngLat) {
  const locate = () =>
    page.evaluate((ll) => {
      const map = window.__gridd.map;
      const pt = map.project(ll);
      const r = map.getCanvas().getBoundingClientRect();
      const x = r.left + pt.x;
      const y = r.top + pt.y;
      const inside = pt.x >= 0 && pt.y >= 0 && pt.x <= r.width && pt.y <= r.height;
      const hit = inside && document.elementFromPoint(x, y) === map.getCanvas();
      return { x, y, hit };
    }, lngLat);
  let p = await locate();
  if (!p.hit) {
    await page.evaluate((ll) => window.__gridd.map.jumpTo({ center: ll }), lngLat);
    await mapIdle(page);
    p = await locate();
    if (!p.hit) throw new Error(`the map canvas is covered at ${JSON.stringify(lngLat)}`);
  }
  await page.mouse.click(p.x, p.y);
}

/** The gridd binary the editor tests start (their own server each, for a fresh store). */
export const GRIDD_BIN = process.env.GRIDD_BIN ?? path.resolve(here, '../../target/debug/gridd');

/**
 * The password of every demo account (`gridd serve --demo --demo-password`):
 * scripts/test.sh starts the shared gridd with it and exports it.
 */
export const DEMO_PASSWORD = process.env.GRIDD_DEMO_PASSWORD ?? 'gridd-demo-pass';

/**
 * Start a private `gridd serve --demo` on a fresh GeoPackage and a free port,
 * serving the built app (web/dist-e2e), its demo accounts with DEMO_PASSWORD;
 * `args` are more options (e.g. `--session-ttl 3`). Returns { url, stop }.
 * Tests that edit use this, so each begins from the demo data and none sees
 * another's edits.
 */
export async function startGridd({ args = [] } = {}) {
  const { spawn } = await import('node:child_process');
  if (!fs.existsSync(GRIDD_BIN)) throw new Error(`${GRIDD_BIN} not found: build gridd first (cargo build -p gridd)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridd-e2e-srv-'));
  const child = spawn(
    GRIDD_BIN,
    [
      'serve',
      '--demo',
      '--gpkg',
      path.join(dir, 'demo.gpkg'),
      '--addr',
      '127.0.0.1:0',
      '--web-dir',
      path.resolve(here, '../dist-e2e'),
      '--demo-password',
      DEMO_PASSWORD,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gridd did not start in 60 s:\n${err.slice(-2000)}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/[0-9.:]+/.exec(out);
      // gridd prints its address once the store is loaded and it listens.
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gridd exited with ${code}:\n${err.slice(-2000)}`));
    });
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** JSON request to a given server; returns { status, body, headers }. */
export async function request(base, method, pathname, body, headers = {}) {
  const res = await fetch(`${base}${pathname}`, {
    method,
    headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}

/**
 * Sign a browser context in as a demo account (`planner`, `auditor`, `admin`, …)
 * through the API, as the sign-in page would: the context keeps the session
 * cookie, and the page's next load asks /auth/me who it is. Returns the answer
 * (user, actions, csrf_token). The sign-in page itself is tested in auth.test.mjs.
 */
export async function signIn(page, base, name, password = DEMO_PASSWORD) {
  const res = await page.request.post(`${base}/api/v1/auth/sign-in`, { data: { name, password } });
  if (!res.ok()) throw new Error(`sign-in as ${name}: HTTP ${res.status()} ${await res.text()}`);
  return res.json();
}

/**
 * A session for requests made from the test itself (behind the page's back):
 * headers with the session cookie and the CSRF token, for `request()`.
 */
export async function apiSession(base, name, password = DEMO_PASSWORD) {
  const res = await fetch(`${base}/api/v1/auth/sign-in`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  if (!res.ok) throw new Error(`sign-in as ${name}: HTTP ${res.status} ${await res.text()}`);
  const me = await res.json();
  const cookie = (res.headers.getSetCookie?.() ?? [res.headers.get('set-cookie') ?? ''])
    .map((c) => c.split(';')[0])
    .filter((c) => c.startsWith('gridd_session='))
    .join('; ');
  if (!cookie) throw new Error(`sign-in as ${name}: no gridd_session cookie`);
  return { me, headers: { Cookie: cookie, 'X-CSRF-Token': me.csrf_token } };
}

/** Screen position (page pixels) of a longitude/latitude on the map canvas. */
export async function screenOf(page, lngLat) {
  return page.evaluate((ll) => {
    const map = window.__gridd.map;
    const pt = map.project(ll);
    const r = map.getCanvas().getBoundingClientRect();
    return { x: r.left + pt.x, y: r.top + pt.y };
  }, lngLat);
}

/** Fit the map to a bbox [minLon, minLat, maxLon, maxLat] at once. */
export async function fitTo(page, bbox, padding = 60, maxZoom = 21) {
  await page.evaluate(
    ([b, p, z]) =>
      window.__gridd.map.fitBounds(
        [
          [b[0], b[1]],
          [b[2], b[3]],
        ],
        { duration: 0, padding: p, maxZoom: z },
      ),
    [bbox, padding, maxZoom],
  );
  await mapIdle(page);
}
