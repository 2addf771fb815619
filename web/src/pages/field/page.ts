// The grid worker's field page (网格员外勤, #/field), made for a phone held in
// the hand (390 px wide first): start and stop recording the track from the
// browser's geolocation while the page is open (the screen kept on where the
// browser can), the fixes sent in batches (every 15 s or 50 fixes) through the
// outbox (queue.ts: kept on the device while offline or refused by the network,
// sent in order, never twice), the state in words; the worker's grids with
// this week's patrols against the rule's two (the weekly audit), and a small
// map of their grids with today's track.

import type { GeoJSONSource } from 'maplibre-gl';
import { ApiError, api, type TreeNode } from '../../api';
import { currentUser } from '../../app/auth';
import { inspect } from '../../app/inspect';
import type { Page, PageFactory } from '../../app/router';
import { onLangChange, t } from '../../i18n';
import { el } from '../../lib/dom';
import { asBBox, geometryBBox } from '../../lib/geom';
import { FOCUS_SOURCE, GridMap } from '../../map/map';
import { patrolsApi, type Audit, type AuditWorker, type FixIn } from '../patrols/api';
import { clockOf, dayOf, dayRange, trackAt } from '../patrols/model';
import { pt, ptf, type TextKey } from '../patrols/text';
import { BATCH_MS, FixQueue, type Problem } from './queue';
import './field.css';

const TRACK_SOURCE = 'field-track';
const DOT_SOURCE = 'field-dot';

type GeoState = 'idle' | 'locating' | 'recording' | 'denied' | 'unsupported';

function problemText(p: Problem): string {
  switch (p.kind) {
    case 'offline':
      return pt('err.offline');
    case 'session':
      return pt('err.session');
    case 'forbidden':
      return pt('err.forbidden');
    case 'refused':
      return ptf('err.refused', { n: p.n, detail: p.detail });
    case 'server':
      return ptf('err.server', { status: p.status });
    case 'storage':
      return pt('err.storage');
  }
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export const fieldPage: PageFactory = (root): Page => {
  const user = currentUser();
  const worker = user?.id ?? 0;
  let gone = false;
  let geo: GeoState = 'navigator' in window && 'geolocation' in navigator ? 'idle' : 'unsupported';
  let watchId: number | null = null;
  let geoError: string | null = null;
  let lastFix: FixIn | null = null;
  let wake: WakeLockSentinel | null = null;
  const wakeSupported = 'wakeLock' in navigator;
  let audit: Audit | null = null;
  let me: AuditWorker | null = null;
  let auditState: 'loading' | 'ready' | 'none' | 'error' = 'loading';
  let auditError = '';
  const names = new Map<number, TreeNode>();
  /** Today's fixes: the server's, then those taken here (the map's track). */
  let today: { time_ms: number; lon: number; lat: number }[] = [];
  let gm: GridMap | null = null;

  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  const queue = new FixQueue(
    worker,
    safeStorage(),
    {
      record: (fixes) => patrolsApi.record(fixes),
      stored: (w, from, to) => patrolsApi.fixes({ worker: w, from, to }),
    },
    () => renderState(),
    locks ? async (name, fn) => void (await locks.request(name, fn)) : null,
  );

  // ------------------------------------------------------------ layout
  const wrap = el('div', { className: 'field-page' });
  const title = el('h1', { id: 'page-title' });
  const who = el('p', { className: 'field-who muted' });
  const startBtn = el('button', { type: 'button', className: 'btn btn-primary field-start', id: 'field-start' });
  const sendBtn = el('button', { type: 'button', className: 'btn', id: 'field-send' });
  const stateDl = el('dl', { className: 'field-state', id: 'field-status' });
  const keepOpen = el('p', { className: 'field-note muted' });
  const gridsTitle = el('h2');
  const gridList = el('ul', { className: 'field-grids', id: 'field-grids' });
  const rule = el('p', { className: 'field-note muted' });
  const mapTitle = el('h2');
  const mapEl = el('div', { className: 'map', id: 'map' });
  mapEl.setAttribute('role', 'region');
  const todayEl = el('p', { className: 'field-note muted', id: 'field-today' });
  wrap.append(
    el('header', { className: 'field-head' }, title, who),
    el('div', { className: 'field-actions' }, startBtn, sendBtn),
    stateDl,
    keepOpen,
    el('section', { className: 'field-section' }, gridsTitle, gridList, rule),
    el('section', { className: 'field-section' }, mapTitle, el('div', { className: 'field-map' }, mapEl), todayEl),
  );
  root.append(wrap);
  inspect.page = { map: null, selected: () => null };

  // ------------------------------------------------------------- state
  const row = (id: string, label: string, value: string, data: Record<string, string> = {}) => {
    const dd = el('dd', { id, textContent: value, dataset: data });
    return [el('dt', { textContent: label }), dd];
  };

  function renderState(): void {
    if (gone) return;
    const s = queue.state;
    const geoKey: Record<GeoState, TextKey> = {
      idle: 'field.state.idle',
      locating: 'field.state.locating',
      recording: 'field.state.recording',
      denied: 'field.state.denied',
      unsupported: 'field.state.unsupported',
    };
    const offline = !navigator.onLine || s.problem?.kind === 'offline';
    const waiting = s.sending
      ? `${ptf('field.waiting.n', { n: s.waiting })} · ${pt('field.sending')}`
      : ptf(offline && s.waiting ? 'field.waiting.offline' : 'field.waiting.n', { n: s.waiting });
    const flaggedN = Object.values(s.flagged).reduce((a, b) => a + b, 0);
    const reasons = Object.entries(s.flagged)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${pt(`flag.${k}` as TextKey) ?? k} ${n}`)
      .join('，');
    const error = geoError ?? (s.problem ? problemText(s.problem) : '');
    stateDl.replaceChildren(
      ...row('field-state', pt('field.state'), pt(geoKey[geo]), { state: geo }),
      ...row('field-sent', pt('field.sent'), String(s.sent) + (flaggedN ? ` · ${ptf('field.flagged', { n: flaggedN, reasons })}` : ''), {
        n: String(s.sent),
      }),
      ...row('field-waiting', pt('field.waiting'), waiting, { n: String(s.waiting), sending: String(s.sending) }),
      ...row('field-last-sent', pt('field.lastSent'), s.lastSentAt ? clockOf(s.lastSentAt) : t('value.none')),
      ...row(
        'field-last-fix',
        pt('field.lastFix'),
        lastFix
          ? ptf('field.lastFix.value', { time: clockOf(lastFix.time_ms), acc: Math.round(lastFix.accuracy_m ?? 0) })
          : t('value.none'),
      ),
      ...row('field-wake', pt('field.wake'), wakeSupported ? pt(wake ? 'field.wake.on' : 'field.wake.off') : pt('field.wake.none'), {
        on: String(!!wake),
      }),
      ...row('field-error', pt('field.lastError'), error || t('value.none'), { problem: geoError ? 'geo' : (s.problem?.kind ?? '') }),
    );
    const recording = geo === 'recording' || geo === 'locating';
    startBtn.textContent = pt(recording ? 'field.stop' : 'field.start');
    startBtn.setAttribute('aria-pressed', String(recording));
    startBtn.disabled = geo === 'unsupported' || worker === 0;
    sendBtn.textContent = pt('field.send');
    sendBtn.disabled = s.waiting === 0 || s.sending;
  }

  function renderGrids(): void {
    if (gone) return;
    const of = audit?.rules.min_per_week ?? 2;
    if (auditState === 'loading') gridList.replaceChildren(el('li', { className: 'muted', textContent: pt('field.grids.loading') }));
    else if (auditState === 'error') gridList.replaceChildren(el('li', { className: 'field-error', textContent: auditError }));
    else if (!me || me.grids.length === 0) gridList.replaceChildren(el('li', { className: 'muted', textContent: pt('field.grids.none') }));
    else
      gridList.replaceChildren(
        ...me.grids.map((g) => {
          const n = names.get(g.grid);
          const badge = el('span', {
            className: `field-badge ${g.short ? 'short' : 'ok'}`,
            textContent: `${ptf('field.grid.count', { n: g.patrols, of })} · ${pt(g.short ? 'field.grid.short' : 'field.grid.ok')}`,
          });
          return el(
            'li',
            { dataset: { grid: String(g.grid), patrols: String(g.patrols), short: String(g.short) } },
            el('span', { className: 'field-grid-name', textContent: n ? n.name : `#${g.grid}` }),
            el('span', { className: 'muted field-grid-code', textContent: n?.code ?? '' }),
            badge,
          );
        }),
      );
    if (audit)
      rule.textContent = ptf('field.rule', {
        n: of,
        min: Math.round(audit.rules.min_duration_ms / 60_000),
        m: Math.round(audit.rules.min_distance_m),
      });
  }

  function render(): void {
    document.title = `${pt('field.title')} · ${t('app.title')}`;
    title.textContent = pt('field.title');
    who.textContent = user ? ptf('field.who', { name: user.display_name || user.name, id: user.id }) : '';
    keepOpen.textContent = pt('field.keepOpen');
    gridsTitle.textContent = pt('field.grids');
    mapTitle.textContent = pt('field.map');
    mapEl.setAttribute('aria-label', pt('field.map'));
    todayEl.textContent = ptf('field.today', { n: today.length });
    renderState();
    renderGrids();
  }

  // ---------------------------------------------------------- recording
  const flush = () => {
    lastFlush = Date.now();
    void queue.flush();
  };
  let lastFlush = Date.now();

  const onPosition = (p: GeolocationPosition) => {
    if (gone || watchId === null) return;
    const fix: FixIn = {
      worker,
      time_ms: Math.round(p.timestamp),
      lon: p.coords.longitude,
      lat: p.coords.latitude,
      accuracy_m: Number.isFinite(p.coords.accuracy) ? p.coords.accuracy : null,
      speed_mps: p.coords.speed !== null && Number.isFinite(p.coords.speed) ? p.coords.speed : null,
    };
    // A position repeated by the browser (the same time) is one fix.
    if (lastFix && fix.time_ms <= lastFix.time_ms) return;
    geo = 'recording';
    geoError = null;
    lastFix = fix;
    today.push({ time_ms: fix.time_ms, lon: fix.lon, lat: fix.lat });
    drawToday();
    if (queue.add(fix)) flush();
    renderState();
  };

  const onGeoError = (e: GeolocationPositionError) => {
    if (gone) return;
    if (e.code === e.PERMISSION_DENIED) {
      stopRecording();
      geo = 'denied';
    } else geoError = ptf('err.geo', { detail: e.message || String(e.code) });
    renderState();
  };

  const lockScreen = async () => {
    if (!wakeSupported || wake || watchId === null) return;
    try {
      const w = await navigator.wakeLock.request('screen');
      if (gone || watchId === null) {
        void w.release();
        return;
      }
      wake = w;
      w.addEventListener('release', () => {
        if (wake === w) wake = null;
        renderState();
      });
    } catch {
      wake = null;
    }
    renderState();
  };

  const startRecording = () => {
    if (watchId !== null || geo === 'unsupported') return;
    geo = 'locating';
    geoError = null;
    watchId = navigator.geolocation.watchPosition(onPosition, onGeoError, { enableHighAccuracy: true, maximumAge: 0, timeout: 60_000 });
    void lockScreen();
    renderState();
  };

  function stopRecording(): void {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null;
    if (geo === 'recording' || geo === 'locating') geo = 'idle';
    const w = wake;
    wake = null;
    if (w) void w.release();
    if (queue.state.waiting > 0) flush();
    renderState();
  }

  startBtn.addEventListener('click', () => (watchId === null ? startRecording() : stopRecording()));
  sendBtn.addEventListener('click', () => flush());

  const onOnline = () => {
    renderState();
    if (queue.state.waiting > 0) flush();
  };
  const onOffline = () => renderState();
  // The screen lock is let go when the page is hidden; taken again on return.
  const onVisible = () => {
    if (document.visibilityState === 'visible') void lockScreen();
  };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  document.addEventListener('visibilitychange', onVisible);
  const timer = setInterval(() => {
    if (queue.state.waiting > 0 && !queue.state.sending && Date.now() - lastFlush >= BATCH_MS - 500) flush();
  }, 1000);

  // --------------------------------------------------------------- map
  function drawToday(): void {
    if (!gm) return;
    const now = Date.now();
    const { lines, dot } = trackAt(today, now + 1);
    (gm.map.getSource(TRACK_SOURCE) as GeoJSONSource | undefined)?.setData({
      type: 'Feature',
      geometry: { type: 'MultiLineString', coordinates: lines },
      properties: {},
    });
    (gm.map.getSource(DOT_SOURCE) as GeoJSONSource | undefined)?.setData(
      dot
        ? { type: 'Feature', geometry: { type: 'Point', coordinates: dot }, properties: {} }
        : { type: 'FeatureCollection', features: [] },
    );
    todayEl.textContent = ptf('field.today', { n: today.length });
  }

  const loadToday = async () => {
    const range = dayRange(dayOf(Date.now()));
    if (!range || worker === 0) return;
    try {
      const stored = await patrolsApi.fixes({ worker, from: range[0], to: Date.now() + 60_000 });
      if (gone) return;
      const counted = stored.filter((f) => !f.flag).map((f) => ({ time_ms: f.time_ms, lon: f.lon, lat: f.lat }));
      const local = [...queue.waiting(), ...today].filter((f) => f.time_ms >= range[0]);
      const byTime = new Map<number, { time_ms: number; lon: number; lat: number }>();
      for (const f of [...counted, ...local]) byTime.set(f.time_ms, { time_ms: f.time_ms, lon: f.lon, lat: f.lat });
      today = [...byTime.values()].sort((a, b) => a.time_ms - b.time_ms);
      drawToday();
    } catch {
      // The track of today is a help, not the point: without it the map shows the grids.
    }
  };

  const loadAudit = async () => {
    try {
      const [a, tree] = await Promise.all([patrolsApi.audit({ worker }), api.tree().catch(() => [] as TreeNode[])]);
      if (gone) return;
      const walk = (nodes: TreeNode[]) => {
        for (const n of nodes) {
          names.set(n.id, n);
          walk(n.children);
        }
      };
      walk(tree);
      audit = a;
      me = a.workers.find((w) => w.worker === worker) ?? null;
      auditState = me ? 'ready' : 'none';
    } catch (err) {
      if (gone) return;
      // Not a grid worker of any grid (404), or a role that reads no patrols.
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) auditState = 'none';
      else {
        auditState = 'error';
        auditError = err instanceof Error ? err.message : String(err);
      }
    }
    renderGrids();
    void showGrids();
  };

  const showGrids = async () => {
    const ids = me?.grids.map((g) => g.grid) ?? [];
    const m = gm;
    if (!m || !ids.length) return;
    const grids = await Promise.all(ids.map((id) => api.grid(id).catch(() => null)));
    if (gone) return;
    const features = grids
      .filter((g) => g !== null)
      .map((g) => ({ type: 'Feature' as const, geometry: g.geometry, properties: { id: g.properties.id } }));
    m.setOverlay(FOCUS_SOURCE, { type: 'FeatureCollection', features });
    const boxes = features.map((f) => geometryBBox(f.geometry)).filter((b) => b !== null);
    if (!boxes.length) return;
    const bb = boxes.reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
    m.fitBBox(bb, { padding: 16, duration: 0, maxZoom: 17 });
  };

  void (async () => {
    let m: GridMap;
    try {
      m = await GridMap.create(mapEl);
    } catch {
      return;
    }
    if (gone) return m.remove();
    gm = m;
    if (inspect.page) inspect.page.map = m.map;
    await m.ready;
    if (gone) return;
    // The page's styles come with its chunk: the map may have been sized before them.
    m.map.resize();
    m.map.addSource(TRACK_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    m.map.addSource(DOT_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    m.map.addLayer({
      id: 'field-track-line',
      type: 'line',
      source: TRACK_SOURCE,
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: { 'line-color': '#0b5cad', 'line-width': 4, 'line-opacity': 0.85 },
    });
    m.map.addLayer({
      id: 'field-dot',
      type: 'circle',
      source: DOT_SOURCE,
      paint: { 'circle-color': '#0b5cad', 'circle-radius': 7, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
    });
    if (!me) {
      const subs = await api.subdistricts().catch(() => []);
      const bb = asBBox(subs[0]?.bbox);
      if (!gone && bb && !me) m.fitBBox(bb, { padding: 10, duration: 0 });
    }
    void showGrids();
    drawToday();
  })();

  render();
  void loadAudit();
  void loadToday();
  // Fixes left from an earlier visit go first.
  if (queue.state.waiting > 0) flush();
  const stopLang = onLangChange(render);

  return {
    update: () => undefined,
    unmount() {
      gone = true;
      if (watchId !== null) navigator.geolocation.clearWatch(watchId);
      watchId = null;
      if (wake) void wake.release();
      wake = null;
      clearInterval(timer);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      document.removeEventListener('visibilitychange', onVisible);
      stopLang();
      // What waits is in storage: the next visit sends it; try once more now.
      if (queue.state.waiting > 0) void queue.flush();
      gm?.remove();
      inspect.page = null;
    },
  };
};
