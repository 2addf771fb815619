// Browser tests of households and visits (issue 14): an administrator imports
// households from CSV on the households page — a file with one bad row is
// refused whole (the row named with its number and reason, nothing stored),
// the corrected file is stored; a grid worker on a phone (390×844) lists their
// grid's households with identity numbers masked only (the page's HTML holds no
// whole 18-digit number), records a visit and sees the household visited, and
// a visit dated in the future gets the server's refusal at the time field.
// Each test starts its own gridd (startGridd: the demo data, no households).
//   node --test web/e2e/households.test.mjs
// Screenshots go to artifacts/screenshots/households/ at the repository root.

import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { after, describe, test } from 'node:test';
import { apiSession, closeBrowser, launch, request, screenshot, signIn, startGridd } from './browser.mjs';

after(() => closeBrowser());

/** A private gridd and a fresh page of the given size; both end with the test. */
async function fresh(t, size) {
  const srv = await startGridd();
  const b = await launch(size);
  t.after(async () => {
    await b.close();
    await srv.stop();
  });
  b.page.setDefaultTimeout(20_000);
  return { srv, page: b.page, errors: b.errors };
}

/** A valid resident identity number (GB 11643: the check character of the first 17 digits). */
function idNumber(seq) {
  const body = `110105195001${10 + seq}${String(100 + seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

/** The demo worker's grid (their grant) and two of its buildings. */
async function workerGrid(base) {
  const w = await apiSession(base, 'worker');
  const grid = Number(/^grid:(\d+)$/.exec(w.me.user.grants[0].scope)[1]);
  const b = await request(base, 'GET', `/api/v1/grids/${grid}/buildings`, undefined, w.headers);
  assert.equal(b.status, 200, JSON.stringify(b.body));
  const ids = b.body.features.map((f) => f.id);
  assert.ok(ids.length >= 2, 'the worker’s grid has buildings');
  return { grid, buildings: ids.slice(0, 2), worker: w };
}

/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const HEADER = '楼栋号,地址,单元,室,姓名,手机号,身份证号,与户主关系,特殊家庭';

/** Three households (four people) in two buildings; `bad` makes row 4's phone malformed. */
function households(buildings, { bad = false } = {}) {
  const [a, b] = buildings;
  return [
    HEADER,
    `${a},和平路8号,1,101,张建国,13800138001,${idNumber(1)},户主,`,
    `${a},和平路8号,1,101,李秀英,13800138002,${idNumber(2)},配偶,`,
    `${a},和平路8号,2,302,王桂兰,${bad ? '1380013' : '13800138003'},${idNumber(3)},户主,孤寡老人`,
    `${b},长江路2号,1,201,赵志强,13800138004,${idNumber(4)},户主,`,
    '',
  ].join('\n');
}

/**
 * An Excel workbook (.xlsx) of these rows, as Excel writes one: a zip of
 * deflated XML parts, the strings shared, the first sheet named by the workbook.
 */
function xlsx(rows) {
  const strings = [];
  const index = (s) => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const col = (i) => String.fromCharCode(65 + i);
  const sheetRows = rows
    .map((cells, r) => {
      const cs = cells
        .map((c, i) =>
          c === ''
            ? ''
            : /^\d{1,10}$/.test(c)
              ? `<c r="${col(i)}${r + 1}"><v>${c}</v></c>`
              : `<c r="${col(i)}${r + 1}" t="s"><v>${index(c)}</v></c>`,
        )
        .join('');
      return `<row r="${r + 1}">${cs}</row>`;
    })
    .join('');
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const parts = [
    [
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    ],
    [
      'xl/workbook.xml',
      `<workbook xmlns="${ns}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="住户" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ],
    [
      'xl/_rels/workbook.xml.rels',
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    ],
    [
      'xl/worksheets/sheet1.xml',
      `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${ns}"><sheetData>${sheetRows}</sheetData></worksheet>`,
    ],
  ];
  parts.push(['xl/sharedStrings.xml', `<sst xmlns="${ns}">${strings.map((s) => `<si><t>${esc(s)}</t></si>`).join('')}</sst>`]);
  const locals = [];
  const central = [];
  let offset = 0;
  for (const [name, text] of parts) {
    const raw = Buffer.from(text);
    const data = zlib.deflateRawSync(raw);
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(zlib.crc32(raw), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(zlib.crc32(raw), 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(raw.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    central.push(c, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

async function importCsv(base, csv) {
  const admin = await apiSession(base, 'admin');
  const sd = (await request(base, 'GET', '/api/v1/subdistricts')).body[0].id;
  const res = await fetch(`${base}/api/v1/households/import?subdistrict=${sd}`, {
    method: 'POST',
    headers: { ...admin.headers, 'Content-Type': 'text/csv', Accept: 'application/json' },
    body: csv,
  });
  assert.equal(res.status, 201, await res.text());
}

/**
 * Whole resident identity numbers in a text: 18 characters shaped as one (a
 * region, a birth date from 1900 on, a sequence) whose check character is right
 * (18-digit grid codes such as 320508990001001001 are not).
 */
function wholeIds(text) {
  const shaped = /(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9Xx])/g;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return [...text.matchAll(shaped)]
    .map((m) => m[0].toUpperCase())
    .filter((n) => '10X98765432'[[...n.slice(0, 17)].reduce((a, c, i) => a + Number(c) * w[i], 0) % 11] === n[17]);
}

describe('households and visits in the browser', () => {
  test('an admin imports households: a file with a bad row is refused whole, the corrected file is stored', async (t) => {
    const { srv, page, errors } = await fresh(t, { width: 1280, height: 720 });
    const { grid, buildings, worker } = await workerGrid(srv.url);
    await signIn(page, srv.url, 'admin');
    await page.goto(`${srv.url}/#/households/grid/${grid}`);
    await page.locator('#hh-import').waitFor();
    await page.locator('#hh-status').waitFor();
    assert.equal(await page.locator('#page-title').innerText(), '住户走访');

    // One bad phone on row 4: every bad row named, nothing stored.
    await page.locator('#import-file').setInputFiles({
      name: '住户.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(households(buildings, { bad: true })),
    });
    await page.locator('#import-run').click();
    await page.locator('#import-status[data-state="refused"]').waitFor();
    const bad = page.locator('#import-errors tbody tr');
    assert.equal(await bad.count(), 1, await page.locator('#import-status').innerText());
    assert.equal(await bad.first().getAttribute('data-row'), '4');
    assert.equal(await bad.first().getAttribute('data-column'), 'phone');
    const text = await bad.first().innerText();
    assert.match(text, /手机号/);
    assert.match(text, /11 位/);
    assert.match(await page.locator('#import-status').innerText(), /未保存任何数据/);
    const none = await request(srv.url, 'GET', `/api/v1/grids/${grid}/households`, undefined, worker.headers);
    assert.deepEqual(none.body, [], 'nothing stored');
    await screenshot(page, 'households/01-import-refused-1280x720');

    // The corrected file: stored, and the grid's list shows it.
    await page
      .locator('#import-file')
      .setInputFiles({ name: '住户.csv', mimeType: 'text/csv', buffer: Buffer.from(households(buildings)) });
    await page.locator('#import-run').click();
    await page.locator('#import-status[data-state="done"]').waitFor();
    assert.match(await page.locator('#import-status').innerText(), /已导入 3 户、4 人，其中特殊家庭 1 户/);
    const stored = await request(srv.url, 'GET', `/api/v1/grids/${grid}/households`, undefined, worker.headers);
    assert.equal(stored.body.length, 3);
    await page.waitForFunction(() => document.querySelectorAll('#hh-list .hh-item').length === 3);
    assert.equal(await page.locator('#hh-stat-households .hh-stat-value').innerText(), '3');
    // The grids below, each with its own figures, adding up to the grid's.
    const below = page.locator('#hh-below tbody tr');
    assert.ok((await below.count()) > 0, 'the grids below are listed');
    const counts = await below.evaluateAll((trs) => trs.map((tr) => Number(tr.children[1].textContent)));
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      3,
    );
    assert.match(await page.locator('#hh-list').innerText(), /孤寡老人/);
    await screenshot(page, 'households/02-import-stored-1280x720');

    // An Excel workbook (read in the browser, sent as CSV): one more household, stored.
    const book = xlsx([
      HEADER.split(','),
      [String(buildings[1]), '长江路2号', '2', '502', '孙丽', '13900139005', idNumber(5), '户主', '残疾人'],
    ]);
    await page.locator('#import-file').setInputFiles({
      name: '住户.xlsx',
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      buffer: book,
    });
    await page.locator('#import-run').click();
    await page.locator('#import-status[data-state="done"]').waitFor();
    assert.match(await page.locator('#import-status').innerText(), /已导入 1 户、1 人，其中特殊家庭 1 户/);
    await page.waitForFunction(() => document.querySelectorAll('#hh-list .hh-item').length === 4);
    const sun = await page.locator('#hh-list .hh-item', { hasText: '孙丽' }).innerText();
    assert.match(sun, /残疾人/);
    assert.match(sun, /2单元 502/);
    assert.deepEqual(errors, []);
  });

  test('a grid worker on a phone lists their households masked, records a visit, and a future time is refused', async (t) => {
    const { srv, page, errors } = await fresh(t, { width: 390, height: 844 });
    const { grid, buildings } = await workerGrid(srv.url);
    await importCsv(srv.url, households(buildings));
    await signIn(page, srv.url, 'worker');
    await page.goto(`${srv.url}/#/households`);
    await page.waitForFunction(() => document.querySelectorAll('#hh-list .hh-item').length === 3);
    // The worker's own grid is chosen; the address names the grid only.
    assert.equal(await page.locator('#hh-grid').inputValue(), String(grid));
    assert.match(page.url(), new RegExp(`#/households/grid/${grid}$`));
    assert.equal(await page.locator('#hh-grid optgroup').first().getAttribute('label'), '我的网格');

    // Identity numbers masked only: none whole anywhere in the page.
    const html = await page.content();
    assert.deepEqual(wholeIds(html), [], 'the page holds no whole identity number');
    assert.deepEqual(wholeIds(households(buildings)).length, 4, 'the check finds the whole numbers of the file');
    for (let i = 1; i <= 4; i++) assert.ok(!html.includes(idNumber(i)));
    const ids = await page.locator('.hh-id').allInnerTexts();
    assert.equal(ids.length, 4);
    for (const id of ids) assert.match(id, /^\d{6}\*+\w{4}$/, id);
    // Every household is due this year (none visited yet).
    assert.equal(await page.locator('.hh-item[data-standing="due"], .hh-item[data-standing="overdue"]').count(), 3);
    await page.locator('#hh-search').fill('长江路');
    assert.equal(await page.locator('#hh-list .hh-item').count(), 1);
    await page.locator('#hh-search').fill('王桂兰');
    assert.equal(await page.locator('#hh-list .hh-item').count(), 1);
    assert.match(await page.locator('#hh-list .hh-item').innerText(), /孤寡老人/);
    await page.locator('#hh-search').fill('');
    await screenshot(page, 'households/03-worker-list-390x844');

    // The visit form of the household of 张建国.
    const item = page.locator('#hh-list .hh-item', { hasText: '张建国' });
    const id = await item.getAttribute('data-id');
    await item.locator('.hh-visit-btn').click();
    await page.locator('#visit-dialog[open]').waitFor();
    assert.equal(await page.locator('#visit-household').inputValue(), id);
    const box = await page.locator('#visit-dialog').boundingBox();
    assert.ok(box.width <= 390 && box.width >= 380, `the form fills the phone's width (${box.width})`);

    // A time tomorrow: the server refuses it, named at the time field, nothing stored.
    const pad = (n) => String(n).padStart(2, '0');
    const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    await page.locator('#visit-at').fill(local(new Date(Date.now() + 86_400_000)));
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/visits'));
    await page.locator('#visit-submit').click();
    assert.equal((await refused).status(), 422);
    await page.locator('#visit-error-at:not([hidden])').waitFor();
    assert.match(await page.locator('#visit-error-at').innerText(), /晚于当前时间/);
    assert.equal(await page.locator('#visit-at').getAttribute('aria-invalid'), 'true');
    assert.ok(await page.locator('#visit-dialog[open]').isVisible(), 'the form stays open');
    await screenshot(page, 'households/04-visit-future-390x844');
    const worker = await apiSession(srv.url, 'worker');
    const before = await request(srv.url, 'GET', `/api/v1/households/${id}`, undefined, worker.headers);
    assert.deepEqual(before.body.visits, [], 'nothing stored');

    // An hour ago, the record confirmed: stored, and the list shows the household visited.
    await page.locator('#visit-at').fill(local(new Date(Date.now() - 3_600_000)));
    await page.locator('#visit-note').fill('家中一切正常，信息已核对。');
    await page.locator('#visit-confirmed').check();
    await page.locator('#visit-photos').setInputFiles({ name: '门口.png', mimeType: 'image/png', buffer: Buffer.from(PNG, 'base64') });
    const stored = page.waitForResponse((r) => r.url().endsWith('/api/v1/visits'));
    await page.locator('#visit-submit').click();
    assert.equal((await stored).status(), 201);
    await page.locator('#visit-dialog').waitFor({ state: 'hidden' });
    await page.locator(`.hh-item[data-id="${id}"][data-visited="1"]`).waitFor();
    const after = page.locator(`.hh-item[data-id="${id}"]`);
    assert.match(await after.innerText(), /已走访/);
    assert.doesNotMatch(await after.innerText(), /尚未走访/);
    assert.match(await page.locator('#hh-notice').innerText(), /已登记走访/);
    // The figures are read again: one household's record is confirmed (accuracy 1 of 3).
    await page.waitForFunction(() => /1 \/ 3/.test(document.querySelector('#hh-stat-accuracy')?.getAttribute('title') ?? ''));
    const detail = await request(srv.url, 'GET', `/api/v1/households/${id}`, undefined, worker.headers);
    assert.equal(detail.body.visits.length, 1);
    assert.equal(detail.body.visits[0].outcome, 'visited');
    assert.equal(detail.body.visits[0].record_confirmed, true);
    assert.equal(detail.body.visits[0].photos.length, 1, 'the photo was uploaded and named');
    // Its visits, read when opened.
    await after.locator('.hh-history-box summary').click();
    await after.locator('.hh-history li[data-outcome="visited"]').waitFor();
    assert.equal(await after.locator('.hh-history a').count(), 1, 'a link to its photo');
    assert.match(await after.locator('.hh-history').innerText(), /入户走访 · worker[\s\S]*已核对信息[\s\S]*家中一切正常/);
    assert.deepEqual(wholeIds(await page.content()), [], 'still no whole identity number');
    await screenshot(page, 'households/05-worker-visited-390x844');

    // The same page at 1280×720.
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.evaluate(() => document.querySelector('.hh-page')?.scrollTo(0, 0));
    await screenshot(page, 'households/06-worker-list-1280x720');
    assert.deepEqual(errors, []);
  });
});
