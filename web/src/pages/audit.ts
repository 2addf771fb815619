// The audit log page (#/audit, 审计日志): for the roles the server lets read
// the audit log (auditor, subdistrict admin). It lists `GET /api/v1/audit`
// newest first — when, who, from where, what, on which entity, the reason, and
// what changed — with filters (entity, id, actor, from, to, how many) and a
// link that downloads the same rows as CSV. The server lists only rows within
// the caller's scopes.

import { ApiError, api, type AuditQuery, type AuditRecord } from '../api';
import { inspect } from '../app/inspect';
import type { Page, PageFactory } from '../app/router';
import { formatDate, has, onLangChange, t, tf, type MessageKey } from '../i18n';
import { el } from '../lib/dom';

/** One row of the audit log, as the document describes it. */
export type AuditRow = AuditRecord;

export interface AuditFilters {
  entity: string;
  entityId: string;
  actor: string;
  /** `YYYY-MM-DD` (a date input's value), local time. */
  since: string;
  until: string;
  limit: number;
}

export const ENTITIES = ['grid', 'account', 'session', 'token', 'batch'] as const;
export const LIMITS = [50, 200, 1000] as const;

/** RFC 3339 of local midnight at the start of a date (`YYYY-MM-DD`), with the local offset. */
export function startOfDay(date: string, offsetMinutes: number = -new Date(`${date}T00:00:00`).getTimezoneOffset()): string {
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${date}T00:00:00${sign}${hh}:${mm}`;
}

/** The day after a date (`YYYY-MM-DD`). */
export function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return next.toISOString().slice(0, 10);
}

/** The server's query of the filters: "to" a date includes that whole day. */
export function auditQuery(f: AuditFilters): AuditQuery {
  const q: AuditQuery = { limit: f.limit };
  if (f.entity) q.entity = f.entity;
  if (f.entityId.trim()) q.entity_id = f.entityId.trim();
  if (f.actor.trim()) q.actor = f.actor.trim();
  if (f.since) q.since = startOfDay(f.since);
  if (f.until) q.until = startOfDay(nextDay(f.until));
  return q;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A row's before or after, one level flat: a grid is logged as a Feature
 * without geometry, so its `properties` are lifted up (`name`, `code`, …);
 * other nested objects become `key.sub`.
 */
export function flatRecord(v: Json | null | undefined): Json {
  const out: Json = {};
  for (const [k, x] of Object.entries(v ?? {})) {
    if (isObject(x)) for (const [sub, y] of Object.entries(x)) out[k === 'properties' ? sub : `${k}.${sub}`] = y;
    else out[k] = x;
  }
  return out;
}

/** What changed between before and after: the (flattened) keys whose values differ (geometry is not in the log). */
export function changedKeys(before: Json | null | undefined, after: Json | null | undefined): string[] {
  const b = flatRecord(before);
  const a = flatRecord(after);
  const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
  return [...keys].filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).sort();
}

const label = (prefix: string, code: string): string => {
  const key = `${prefix}.${code}`;
  return has(key) ? t(key as MessageKey) : code;
};

function short(v: unknown): string {
  if (v === undefined || v === null) return t('value.none');
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function changeCell(r: AuditRow): HTMLElement {
  const keys = changedKeys(r.before, r.after);
  const before = flatRecord(r.before);
  const after = flatRecord(r.after);
  const td = el('td', { className: 'audit-change' });
  if (!keys.length) {
    td.textContent = t('value.none');
    return td;
  }
  const details = el('details', {}, el('summary', { textContent: keys.join(', ') }));
  const dl = el('dl', { className: 'audit-diff' });
  for (const k of keys) {
    dl.append(el('dt', { textContent: k }), el('dd', { textContent: `${short(before[k])} → ${short(after[k])}` }));
  }
  details.append(dl);
  td.append(details);
  return td;
}

export const auditPage: PageFactory = (root): Page => {
  const filters: AuditFilters = { entity: '', entityId: '', actor: '', since: '', until: '', limit: 200 };
  let rows: AuditRow[] = [];
  let status: 'idle' | 'running' | 'done' | 'error' = 'idle';
  let error: string | null = null;
  let abort: AbortController | null = null;
  let gone = false;
  const wrap = el('div', { className: 'plan-page audit-page' });
  root.append(wrap);
  inspect.page = { map: null, selected: () => null };

  const load = async () => {
    abort?.abort();
    const ctrl = new AbortController();
    abort = ctrl;
    status = 'running';
    error = null;
    render();
    try {
      rows = await api.audit(auditQuery(filters), ctrl.signal);
      if (gone || ctrl.signal.aborted) return;
      status = 'done';
    } catch (err) {
      if (gone || ctrl.signal.aborted || (err instanceof DOMException && err.name === 'AbortError')) return;
      status = 'error';
      error = err instanceof ApiError ? (err.unreachable ? t('status.unreachable') : err.message) : String(err);
    }
    render();
  };

  const field = (text: string, input: HTMLElement) => el('label', { className: 'audit-field' }, el('span', { textContent: text }), input);

  const render = () => {
    document.title = `${t('page.audit.title')} · ${t('app.title')}`;
    const entity = el('select', { id: 'audit-entity' });
    entity.append(el('option', { value: '', textContent: t('audit.any') }));
    for (const e of ENTITIES)
      entity.append(el('option', { value: e, textContent: label('audit.entity', e), selected: filters.entity === e }));
    const entityId = el('input', { id: 'audit-entity-id', type: 'text', inputMode: 'numeric', value: filters.entityId, size: 8 });
    const actor = el('input', { id: 'audit-actor', type: 'text', value: filters.actor, size: 12, autocomplete: 'off' });
    const since = el('input', { id: 'audit-since', type: 'date', value: filters.since });
    const until = el('input', { id: 'audit-until', type: 'date', value: filters.until });
    const limit = el('select', { id: 'audit-limit' });
    for (const n of LIMITS) limit.append(el('option', { value: String(n), textContent: String(n), selected: filters.limit === n }));
    const form = el(
      'form',
      { id: 'audit-filters', className: 'audit-filters' },
      field(t('audit.entity'), entity),
      field(t('audit.entityId'), entityId),
      field(t('audit.actor'), actor),
      field(t('audit.since'), since),
      field(t('audit.until'), until),
      field(t('audit.limit'), limit),
      el('button', {
        type: 'submit',
        id: 'audit-run',
        className: 'btn btn-primary',
        textContent: t('audit.run'),
        disabled: status === 'running',
      }),
      el('a', {
        id: 'audit-csv',
        className: 'btn',
        href: api.auditCsvUrl(auditQuery(filters)),
        download: 'gridd-audit-log.csv',
        textContent: t('audit.csv'),
      }),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      filters.entity = entity.value;
      filters.entityId = entityId.value;
      filters.actor = actor.value;
      filters.since = since.value;
      filters.until = until.value;
      filters.limit = Number(limit.value) || 200;
      void load();
    });
    const state = el('p', { id: 'audit-status', className: status === 'error' ? 'details-error' : 'muted' });
    state.dataset.status = status;
    state.setAttribute('role', status === 'error' ? 'alert' : 'status');
    state.textContent =
      status === 'running'
        ? t('status.loading')
        : status === 'error'
          ? (error ?? '')
          : status === 'done'
            ? rows.length
              ? tf('audit.count', { n: rows.length })
              : t('audit.none')
            : '';
    const head = el(
      'tr',
      {},
      ...(
        [
          'audit.at',
          'audit.actor',
          'audit.address',
          'audit.action',
          'audit.entity',
          'audit.entityId',
          'audit.reason',
          'audit.change',
        ] as const
      ).map((k) => el('th', { scope: 'col', textContent: t(k) })),
    );
    const body = el('tbody');
    for (const r of rows) {
      const tr = el(
        'tr',
        { dataset: { id: String(r.id), action: r.action, entity: r.entity } },
        el('td', { textContent: formatDate(r.at), title: r.at }),
        el('td', { textContent: r.actor }),
        el('td', { textContent: r.address ?? t('value.none') }),
        el('td', { textContent: label('audit.action', r.action), title: r.action }),
        el('td', { textContent: label('audit.entity', r.entity) }),
        el('td', { textContent: r.entity_id === null || r.entity_id === undefined ? t('value.none') : String(r.entity_id) }),
        el('td', { textContent: r.reason ?? '' }),
        changeCell(r),
      );
      body.append(tr);
    }
    const table = el('table', { id: 'audit-table', className: 'audit-table' }, el('thead', {}, head), body);
    const card = el(
      'section',
      { className: 'plan-card audit-card', id: 'audit' },
      el('h1', { id: 'page-title', textContent: t('page.audit.title') }),
      el('p', { className: 'muted', textContent: t('page.audit.intro') }),
      form,
      state,
      el('div', { className: 'audit-table-wrap' }, table),
    );
    wrap.replaceChildren(card);
  };

  render();
  void load();
  const stop = onLangChange(render);
  return {
    update: render,
    unmount() {
      gone = true;
      abort?.abort();
      stop();
      inspect.page = null;
    },
  };
};
