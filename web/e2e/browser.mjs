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
      'GRIDD_URL is not set: start gridd with the demo data and run e.g. ' +
        'GRIDD_URL=http://127.0.0.1:8080 node --test web/e2e/',
    );
  }
  return url.replace(/\/+$/, '');
}

/** A fresh browser profile each time, so no language choice leaks between runs. */
export async function launch({ width = 1280, height = 720 } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridd-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
    locale: 'zh-CN',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

export async function getJson(pathname) {
  const res = await fetch(`${griddUrl()}${pathname}`, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET ${pathname}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Wait until the map has stopped moving and drawn everything it has. */
export async function mapIdle(page) {
  await page.waitForFunction(() => {
    const m = window.__gridd?.map;
    return !!m && m.loaded() && !m.isMoving() && m.areTilesLoaded();
  });
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
