// Browser tests of accounts (issue 10): signing in through the sign-in page,
// the signed-in user and role in the header, the UI offering only what the
// server says the role may do, the server refusing what it may not (403) even
// when the page is bypassed, a session that expires while idle leading back to
// the sign-in page and then to where the user was, and the sign-in's errors.
// Each test starts its own gridd (startGridd: a fresh store, the demo accounts
// with DEMO_PASSWORD), so no test sees another's edits, sessions or failed
// sign-ins (which the server throttles per account and per address).
//   node --test web/e2e/auth.test.mjs
// Screenshots go to artifacts/screenshots/auth/ at the repository root.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DEMO_PASSWORD, apiSession, closeBrowser, launch, mapIdle, request, screenshot, startGridd } from './browser.mjs';

after(() => closeBrowser());

/** A private gridd (with more options, e.g. a short session) and a fresh page; both end with the test. */
async function fresh(t, args = [], size) {
  const srv = await startGridd({ args });
  const b = await launch(size);
  t.after(async () => {
    await b.close();
    await srv.stop();
  });
  b.page.setDefaultTimeout(15_000);
  return { srv, page: b.page, errors: b.errors };
}

/** Fill the sign-in form on the page shown now and submit it. */
async function submitSignIn(page, name, password = DEMO_PASSWORD) {
  await page.locator('#signin-form').waitFor();
  await page.locator('#signin-name').fill(name);
  await page.locator('#signin-password').fill(password);
  await page.locator('#signin-submit').click();
}

/** Sign in through the sign-in page and wait until the app has left it. */
async function signInWithForm(page, base, name, hash = '') {
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/sign-in'));
  await page.goto(`${base}/#/signin${hash}`);
  await submitSignIn(page, name);
  const res = await answered;
  assert.equal(res.status(), 200, `sign-in as ${name}: ${await res.text()}`);
  await page.waitForFunction(() => !location.hash.startsWith('#/signin'));
  await page.locator('#user-status:not([hidden])').waitFor();
}

/** The links of the navigation, by page. */
const navPages = (page) => page.locator('#nav-list a').evaluateAll((as) => as.map((a) => a.dataset.page));

/** Wait for the workspace (map and tree) of the page shown now. */
async function workspaceReady(page) {
  await page.waitForFunction(() => !!window.__gridd?.map);
  await mapIdle(page);
  await page.locator('#tree li[role="treeitem"]').first().waitFor({ state: 'attached' });
}

describe('accounts in the browser', () => {
  test('the planner signs in on the sign-in page, sees who they are and edits a grid', async (t) => {
    const { srv, page, errors } = await fresh(t);
    // Not signed in: published information only — no editing tools, no coverage tab.
    await page.goto(`${srv.url}/#/editor/grid/33`);
    await workspaceReady(page);
    assert.equal(await page.locator('#edit-toolbar').count(), 0, 'an anonymous visitor gets no editing tools');
    assert.equal(await page.locator('#tab-coverage').isVisible(), false, 'nor the coverage check');
    assert.deepEqual(await navPages(page), ['public']);
    assert.equal(await page.locator('#sign-in-link').innerText(), '登录');
    await page.locator('#sign-in-link').click();
    await page.locator('#signin-form').waitFor();
    // The form's labels are Chinese.
    const form = await page.locator('#signin-form').innerText();
    for (const label of ['用户名', '密码', '登录']) assert.ok(form.includes(label), `the form says ${label}: ${form}`);
    await screenshot(page, 'auth/01-signin');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/sign-in'));
    await submitSignIn(page, 'planner');
    assert.equal((await answered).status(), 200);
    // Back where the sign-in link was followed from, now with the editor's tools.
    await page.waitForFunction(() => location.hash.startsWith('#/editor/grid/33'));
    await workspaceReady(page);
    await page.locator('#edit-toolbar').waitFor();
    const who = await page.locator('#user-status').innerText();
    assert.match(who, /网格规划员/, `the header names the role: ${who}`);
    const me = (await page.evaluate(() => fetch('api/v1/auth/me').then((r) => r.json()))).user;
    assert.ok(who.includes(me.display_name || me.name), `the header names the user: ${who}`);
    assert.equal(await page.locator('#sign-out').innerText(), '退出登录');
    assert.ok((await navPages(page)).includes('editor'));
    await page.waitForFunction(() => window.__gridd.selected() === 33);

    // Edit the grid's name and save: the write carries the session's CSRF token.
    await page.keyboard.press('e');
    await page.waitForFunction(() => window.__gridd.editor().session?.gridId === 33);
    await page.locator('#edit-name').fill('规划员改的名字');
    const put = page.waitForRequest((r) => r.method() === 'PUT' && /\/api\/v1\/grids\/33$/.test(r.url()));
    await page.locator('#edit-save').click();
    const req = await put;
    const csrf = await page.evaluate(() =>
      fetch('api/v1/auth/me')
        .then((r) => r.json())
        .then((m) => m.csrf_token),
    );
    assert.ok(csrf, 'the session has a CSRF token');
    assert.equal(req.headers()['x-csrf-token'], csrf, 'the PUT carries X-CSRF-Token');
    const res = await req.response();
    assert.equal(res.status(), 200, await res.text());
    await page.waitForFunction(() => window.__gridd.editor().session === null);
    const stored = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    assert.equal(stored.properties.name, '规划员改的名字');
    await mapIdle(page);
    await screenshot(page, 'auth/02-planner-saved');

    // Signing out: the tools go, the sign-in link comes back; the server forgot the session.
    await page.locator('#sign-out').click();
    await page.locator('#sign-in-link:not([hidden])').waitFor();
    await workspaceReady(page);
    assert.equal(await page.locator('#edit-toolbar').count(), 0);
    const after = await page.evaluate(() => fetch('api/v1/auth/me').then((r) => r.json()));
    assert.equal(after.user, null, 'signed out on the server too');
    assert.deepEqual(errors, [], 'no uncaught page errors');
  });

  test('the auditor gets no editing controls, and the server refuses an edit sent by hand (403)', async (t) => {
    const { srv, page, errors } = await fresh(t);
    await signInWithForm(page, srv.url, 'auditor');
    // The auditor's own page is the coverage audit.
    assert.match(new URL(page.url()).hash, /^#\/coverage/);
    await page.waitForFunction(() => ['done', 'error'].includes(window.__gridd?.coverage()?.status));
    assert.equal(await page.evaluate(() => window.__gridd.coverage().status), 'done');
    assert.match(await page.locator('#user-status').innerText(), /考核员/);
    const nav = await navPages(page);
    assert.ok(nav.includes('coverage') && !nav.includes('editor') && !nav.includes('admin'), `navigation: ${nav}`);

    // The editor's address shows the map, but no tool to edit, import or renumber.
    await page.goto(`${srv.url}/#/editor/grid/33`);
    await workspaceReady(page);
    await page.waitForFunction(() => window.__gridd.selected() === 33);
    for (const id of ['#edit-toolbar', '#edit-vertices', '#edit-new', '#edit-import', '#edit-renumber', '#edit-panel']) {
      assert.equal(await page.locator(id).count(), 0, `no ${id} for the auditor`);
    }
    assert.equal(await page.evaluate(() => window.__gridd.editor()), null);
    await page.keyboard.press('e');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__gridd.editor()), null, 'E starts nothing');
    await mapIdle(page);
    await screenshot(page, 'auth/03-auditor-editor');
    // The admin pages are not the auditor's: the page says so.
    await page.goto(`${srv.url}/#/admin/users`);
    await page.locator('#forbidden').waitFor();
    assert.match(await page.locator('#forbidden').innerText(), /无权访问[\s\S]*考核员/);

    // A hand-made edit from the page's own context, with the cookie and the CSRF token: refused.
    const before = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    const tried = await page.evaluate(async (g) => {
      const me = await fetch('api/v1/auth/me', { credentials: 'same-origin' }).then((r) => r.json());
      const put = (headers) =>
        fetch('api/v1/grids/33', {
          method: 'PUT',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'If-Match': `"${g.properties.version}"`, ...headers },
          body: JSON.stringify({ type: 'Feature', geometry: g.geometry, properties: { ...g.properties, name: '考核员不该能改' } }),
        }).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: await r.json().catch(() => null) }));
      return { me, withToken: await put({ 'X-CSRF-Token': me.csrf_token }), withoutToken: await put({}) };
    }, before);
    assert.equal(tried.me.user.name, 'auditor');
    assert.ok(!tried.me.actions.includes('edit_grids'), `the auditor's actions: ${tried.me.actions}`);
    assert.equal(tried.withToken.status, 403, JSON.stringify(tried.withToken.body));
    assert.match(tried.withToken.type, /problem\+json/);
    assert.ok(tried.withToken.body.detail, 'the refusal says why');
    assert.equal(tried.withoutToken.status, 403, 'a cookie write without its CSRF token is refused too');
    const afterTry = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    assert.equal(afterTry.properties.name, before.properties.name);
    assert.equal(afterTry.properties.version, before.properties.version, 'nothing was changed');
    assert.deepEqual(errors, [], 'no uncaught page errors');
  });

  test('a session that expires while idle leads to the sign-in page, and back after signing in', async (t) => {
    const { srv, page, errors } = await fresh(t, ['--session-ttl', '3']);
    await signInWithForm(page, srv.url, 'planner', `?next=${encodeURIComponent('/editor/grid/33')}`);
    assert.match(new URL(page.url()).hash, /^#\/editor\/grid\/33/);
    await workspaceReady(page);
    await page.locator('#edit-toolbar').waitFor();
    // Idle for longer than the session lives (3 s; published reads do not keep it alive).
    await page.waitForTimeout(4_000);
    // The next action that needs the session: the coverage check.
    await page.locator('#tab-coverage').click();
    await page.locator('#signin-notice').waitFor();
    assert.equal(await page.locator('#signin-notice').innerText(), '登录已过期，请重新登录');
    const hash = decodeURIComponent(new URL(page.url()).hash);
    assert.match(hash, /^#\/signin\?next=\/editor\/grid\/33/, `the sign-in remembers where the user was: ${hash}`);
    assert.ok(await page.locator('#sign-in-link').isVisible(), 'the header no longer shows a user');
    assert.equal(await page.locator('#signin-current').count(), 0, 'nor does the sign-in page');
    await screenshot(page, 'auth/04-session-expired');
    // Signing in again returns to the editor, grid 33 selected, tools back.
    await submitSignIn(page, 'planner');
    await page.waitForFunction(() => location.hash.startsWith('#/editor/grid/33'));
    await workspaceReady(page);
    await page.locator('#edit-toolbar').waitFor();
    await page.waitForFunction(() => window.__gridd.selected() === 33);
    assert.match(await page.locator('#user-status').innerText(), /网格规划员/);
    assert.deepEqual(errors, [], 'no uncaught page errors');
  });

  test('a page that needs a sign-in sends a visitor to the sign-in page and back', async (t) => {
    const { srv, page } = await fresh(t);
    await page.goto(`${srv.url}/#/coverage`);
    await page.locator('#signin-notice').waitFor();
    assert.match(await page.locator('#signin-notice').innerText(), /需要登录/);
    await submitSignIn(page, 'auditor');
    await page.waitForFunction(() => location.hash.startsWith('#/coverage'));
    await page.waitForFunction(() => window.__gridd?.coverage()?.status === 'done');
  });

  test('the auditor reads the audit log: a planner’s edit is listed, filtered, and downloads as CSV', async (t) => {
    const { srv, page, errors } = await fresh(t);
    // The planner renames grid 33 (with a reason), in a session of their own.
    const planner = await apiSession(srv.url, 'planner');
    const g = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    const put = await request(
      srv.url,
      'PUT',
      '/api/v1/grids/33',
      { type: 'Feature', geometry: g.geometry, properties: { ...g.properties, name: '审计测试网格' } },
      { 'If-Match': `"${g.properties.version}"`, 'X-Gridd-Reason': 'e2e audit check', ...planner.headers },
    );
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await signInWithForm(page, srv.url, 'auditor');
    assert.ok((await navPages(page)).includes('audit'), 'the auditor’s navigation has the audit log');
    await page.locator('#nav-toggle').click();
    await page.locator('#nav-list a[data-page="audit"]').click();
    await page.locator('#audit-status[data-status="done"]').waitFor();
    assert.ok((await page.locator('#audit-table tbody tr').count()) > 0, 'rows are listed');
    // Filter: grid edits by the planner.
    await page.locator('#audit-entity').selectOption('grid');
    await page.locator('#audit-actor').fill('planner');
    await page.locator('#audit-run').click();
    await page.locator('#audit-status[data-status="done"]').waitFor();
    const rows = page.locator('#audit-table tbody tr');
    assert.ok((await rows.count()) >= 1);
    const first = await rows.first().innerText();
    assert.match(first, /planner/);
    assert.match(first, /修改/, `the action is named in Chinese: ${first}`);
    assert.match(first, /网格/);
    assert.match(first, /\b33\b/);
    assert.match(first, /e2e audit check/, 'the reason is shown');
    await rows.first().locator('.audit-change summary').click();
    const change = await rows.first().locator('.audit-change').innerText();
    assert.match(change, /name/, `the change names the field: ${change}`);
    assert.ok(change.includes(`${g.properties.name} → 审计测试网格`), `old → new: ${change}`);
    for (const r of await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.entity))) assert.equal(r, 'grid');
    await screenshot(page, 'auth/07-audit-log');
    // The CSV link carries the same filters; the download is the server's CSV.
    const href = await page.locator('#audit-csv').getAttribute('href');
    assert.match(href, /format=csv/);
    assert.match(href, /entity=grid/);
    assert.match(href, /actor=planner/);
    const csv = await page.evaluate(async (h) => {
      const r = await fetch(h, { credentials: 'same-origin' });
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    }, href);
    assert.equal(csv.status, 200);
    assert.match(csv.type, /text\/csv/);
    assert.match(csv.text, /planner/);
    assert.match(csv.text, /审计测试网格/);
    // The planner may not read it: no link, and the address says so.
    await page.locator('#sign-out').click();
    await page.locator('#sign-in-link:not([hidden])').waitFor();
    await signInWithForm(page, srv.url, 'planner');
    assert.ok(!(await navPages(page)).includes('audit'));
    await page.goto(`${srv.url}/#/audit`);
    await page.locator('#forbidden').waitFor();
    assert.deepEqual(errors, [], 'no uncaught page errors');
  });

  test('a wrong password or name says so; too many failures name the wait', async (t) => {
    const { srv, page, errors } = await fresh(t, [], { width: 390, height: 844 });
    await page.goto(`${srv.url}/#/signin`);
    await submitSignIn(page, 'planner', 'not-the-password');
    const error = page.locator('#signin-error:not([hidden])');
    await error.waitFor();
    assert.equal(await error.innerText(), '用户名或密码错误');
    assert.match(new URL(page.url()).hash, /^#\/signin/, 'still on the sign-in page');
    assert.ok(await page.locator('#sign-in-link').isVisible(), 'nobody is signed in');
    assert.equal(await page.locator('#signin-password').inputValue(), '', 'the password field is cleared');
    await screenshot(page, 'auth/05-wrong-password');
    // An unknown name gets the very same answer.
    await submitSignIn(page, 'nobody-here', 'whatever-it-is');
    await page.waitForFunction(() => document.querySelector('#signin-submit')?.disabled === false);
    assert.equal(await error.innerText(), '用户名或密码错误');
    // Empty fields are asked for before anything is sent.
    await page.locator('#signin-name').fill('');
    await page.locator('#signin-password').fill('');
    await page.locator('#signin-submit').click();
    assert.equal(await error.innerText(), '请输入用户名和密码');
    // The server throttles an account after a few failures: 429 with Retry-After, shown in minutes.
    let text = '';
    for (let i = 0; i < 8 && !/尝试次数过多/.test(text); i++) {
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/sign-in'));
      await submitSignIn(page, 'planner', `wrong-${i}`);
      await answered;
      await page.waitForFunction(() => document.querySelector('#signin-submit')?.disabled === false);
      text = await error.innerText();
    }
    assert.match(text, /^尝试次数过多，请 \d+ 分钟后再试$/);
    await screenshot(page, 'auth/06-throttled');
    assert.deepEqual(errors, [], 'no uncaught page errors');
  });

  test('signing in again in another tab does not break the first tab: a stale CSRF token is fetched again', async (t) => {
    const srv = await startGridd();
    const b = await launch();
    t.after(async () => {
      await b.close();
      await srv.stop();
    });
    const { context, page, errors } = b;
    page.setDefaultTimeout(15_000);
    // As in the first test: open the grid, follow the sign-in link, come back to it.
    await page.goto(`${srv.url}/#/editor/grid/33`);
    await workspaceReady(page);
    await page.locator('#sign-in-link').click();
    await submitSignIn(page, 'planner');
    await page.waitForFunction(() => location.hash.startsWith('#/editor/grid/33'));
    await workspaceReady(page);
    await page.locator('#edit-toolbar').waitFor();
    await page.waitForFunction(() => window.__gridd.selected() === 33);
    const first = await page.evaluate(() =>
      fetch('api/v1/auth/me')
        .then((r) => r.json())
        .then((m) => m.csrf_token),
    );
    // A second tab of the same browser signs in again: a new session (and cookie) with a new token.
    const other = await context.newPage();
    other.setDefaultTimeout(15_000);
    await signInWithForm(other, srv.url, 'planner');
    await other.close();
    // Back in the first tab, a save goes through: refused once for the old token, then retried.
    const puts = [];
    page.on('response', (r) => {
      if (r.request().method() === 'PUT' && /\/api\/v1\/grids\/33$/.test(r.url())) {
        puts.push({ status: r.status(), token: r.request().headers()['x-csrf-token'] });
      }
    });
    await page.keyboard.press('e');
    await page.waitForFunction(() => window.__gridd.editor().session?.gridId === 33);
    await page.locator('#edit-name').fill('另一标签页之后');
    await page.locator('#edit-save').click();
    await page.waitForFunction(() => window.__gridd.editor().session === null);
    assert.equal(puts.length, 2, JSON.stringify(puts));
    assert.deepEqual(
      puts.map((p) => p.status),
      [403, 200],
    );
    assert.equal(puts[0].token, first, 'the first try carried the old token');
    assert.notEqual(puts[1].token, first, 'the retry carried the new one');
    const stored = (await request(srv.url, 'GET', '/api/v1/grids/33')).body;
    assert.equal(stored.properties.name, '另一标签页之后');
    assert.deepEqual(errors, [], 'no uncaught page errors');
  });
});
