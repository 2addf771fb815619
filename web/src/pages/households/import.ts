// The household import (住户导入), for those who may manage households: a CSV
// or Excel (.xlsx) file, one row per person, into a subdistrict, with the
// column mapping the server takes (each column's header text, when it is not
// one the server recognises). All or nothing: when the server refuses, every
// bad row it names is listed with its row number, column and reason, and
// nothing was stored. An .xlsx is read in the browser and sent as CSV.

import { ApiError } from '../../api';
import { formatNumber, t, tf, type MessageKey } from '../../i18n';
import { el } from '../../lib/dom';
import { householdsApi, type ImportAnswer, type ImportMapping } from './api';
import { fieldLabel, reasonText } from './format';
import { rowProblems, type RowProblem } from './model';
import { isZip, xlsxToCsv } from './xlsx';

export const COLUMNS = ['building', 'address', 'unit', 'room', 'name', 'phone', 'id_number', 'relation', 'special'] as const;

/** What the server recognises without a mapping (its first header name of each column). */
const DEFAULT_HEADERS: Record<(typeof COLUMNS)[number], string> = {
  building: '楼栋号',
  address: '地址',
  unit: '单元',
  room: '室',
  name: '姓名',
  phone: '手机号',
  id_number: '身份证号',
  relation: '与户主关系',
  special: '特殊家庭',
};

export interface ImportOptions {
  subdistricts: () => { id: number; name: string }[];
  /** Households were stored: the list should be read again. */
  imported: (a: ImportAnswer) => void;
}

type State =
  | { kind: 'idle' }
  | { kind: 'reading'; name: string }
  | { kind: 'sending'; rows: number; bytes: number }
  | { kind: 'done'; answer: ImportAnswer }
  | { kind: 'refused'; rows: RowProblem[]; detail: string }
  | { kind: 'error'; text: string };

/** Data rows of a CSV text (lines with some content, less the header). */
export function dataRows(csv: string): number {
  return Math.max(0, csv.split(/\r?\n/).filter((l) => l.replace(/[,\s"]/g, '') !== '').length - 1);
}

export class ImportPanel {
  readonly root: HTMLElement;
  private readonly status: HTMLElement;
  private readonly subdistrict: HTMLSelectElement;
  private readonly file: HTMLInputElement;
  private readonly mapping = new Map<string, HTMLInputElement>();
  private readonly submit: HTMLButtonElement;
  private state: State = { kind: 'idle' };

  constructor(private readonly opts: ImportOptions) {
    this.subdistrict = el('select', { id: 'import-subdistrict' });
    this.file = el('input', {
      id: 'import-file',
      type: 'file',
      accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
    const grid = el('div', { className: 'hh-mapping' });
    for (const c of COLUMNS) {
      const input = el('input', { id: `import-map-${c}`, type: 'text', placeholder: DEFAULT_HEADERS[c], autocomplete: 'off' });
      this.mapping.set(c, input);
      grid.append(el('label', { className: 'hh-form-row' }, el('span', { textContent: fieldLabel(c) }), input));
    }
    this.submit = el('button', { type: 'submit', id: 'import-run', className: 'btn btn-primary', textContent: t('hh.import.run') });
    this.status = el('div', { id: 'import-status', className: 'hh-import-status' });
    this.status.setAttribute('aria-live', 'polite');
    const form = el(
      'form',
      { className: 'hh-import-form' },
      el('label', { className: 'hh-form-row' }, el('span', { textContent: t('hh.import.subdistrict') }), this.subdistrict),
      el('label', { className: 'hh-form-row' }, el('span', { textContent: t('hh.import.file') }), this.file),
      el(
        'details',
        { className: 'hh-mapping-box' },
        el('summary', { textContent: t('hh.import.mapping') }),
        el('p', { className: 'muted', textContent: t('hh.import.mappingHint') }),
        grid,
      ),
      el('div', { className: 'hh-form-actions' }, this.submit),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run();
    });
    this.root = el(
      'section',
      { className: 'plan-card hh-import', id: 'hh-import' },
      el('h2', { textContent: t('hh.import.title') }),
      el('p', { className: 'muted', textContent: t('hh.import.intro') }),
      form,
      this.status,
    );
    this.refresh();
  }

  /** Fill the subdistricts (once the tree is read). */
  refresh(): void {
    const keep = this.subdistrict.value;
    this.subdistrict.replaceChildren(
      ...this.opts.subdistricts().map((s) => el('option', { value: String(s.id), textContent: s.name, selected: String(s.id) === keep })),
    );
    this.render();
  }

  private mappingOf(): ImportMapping {
    const m: ImportMapping = {};
    for (const [c, input] of this.mapping) if (input.value.trim()) m[c as keyof ImportMapping] = input.value.trim();
    return m;
  }

  private async run(): Promise<void> {
    if (this.state.kind === 'reading' || this.state.kind === 'sending') return;
    const f = this.file.files?.[0];
    const sd = Number(this.subdistrict.value);
    if (!f) {
      this.set({ kind: 'error', text: t('hh.import.noFile') });
      return;
    }
    if (!sd) {
      this.set({ kind: 'error', text: t('hh.import.noSubdistrict') });
      return;
    }
    this.set({ kind: 'reading', name: f.name });
    let csv: Blob;
    let rows: number;
    try {
      const bytes = new Uint8Array(await f.arrayBuffer());
      if (isZip(bytes)) {
        const out = await xlsxToCsv(bytes);
        csv = new Blob([out.csv], { type: 'text/csv' });
        rows = Math.max(0, out.rows - 1);
      } else {
        csv = new Blob([bytes], { type: 'text/csv' });
        rows = dataRows(new TextDecoder().decode(bytes));
      }
    } catch (err) {
      this.set({ kind: 'error', text: tf('hh.import.unreadable', { detail: String((err as Error)?.message ?? err) }) });
      return;
    }
    this.set({ kind: 'sending', rows, bytes: csv.size });
    try {
      const answer = await householdsApi.import(sd, this.mappingOf(), csv);
      this.set({ kind: 'done', answer });
      this.opts.imported(answer);
    } catch (err) {
      if (err instanceof ApiError && !err.unreachable && err.status === 422) {
        this.set({ kind: 'refused', rows: rowProblems(err.problem), detail: err.message });
      } else if (err instanceof ApiError) {
        this.set({ kind: 'error', text: err.unreachable ? t('status.unreachable') : tf('hh.problem', { detail: err.message }) });
      } else {
        this.set({ kind: 'error', text: String(err) });
      }
    }
  }

  private set(s: State): void {
    this.state = s;
    this.render();
  }

  private render(): void {
    const s = this.state;
    const busy = s.kind === 'reading' || s.kind === 'sending';
    this.submit.disabled = busy;
    this.status.dataset.state = s.kind;
    const p = (text: string, cls = 'muted') => el('p', { className: cls, textContent: text });
    switch (s.kind) {
      case 'idle':
        this.status.replaceChildren();
        break;
      case 'reading':
        this.status.replaceChildren(p(tf('hh.import.reading', { name: s.name })), el('progress', { className: 'hh-progress' }));
        break;
      case 'sending':
        this.status.replaceChildren(
          p(tf('hh.import.sending', { rows: formatNumber(s.rows), kib: formatNumber(Math.ceil(s.bytes / 1024)) })),
          el('progress', { className: 'hh-progress' }),
        );
        break;
      case 'done': {
        const a = s.answer;
        this.status.replaceChildren(
          p(
            tf('hh.import.done', {
              households: formatNumber(a.households),
              people: formatNumber(a.people),
              special: formatNumber(a.special),
            }),
            'hh-ok',
          ),
        );
        if (a.outside_grids) this.status.append(p(tf('hh.import.outside', { n: formatNumber(a.outside_grids) })));
        break;
      }
      case 'refused': {
        const rows = new Set(s.rows.filter((r) => r.row !== null).map((r) => r.row)).size;
        const body = el('tbody');
        for (const r of s.rows) {
          const tr = el(
            'tr',
            { dataset: { row: r.row === null ? '' : String(r.row), column: r.column ?? '' } },
            el('td', { textContent: r.row === null ? t('value.none') : String(r.row) }),
            el('td', { textContent: fieldLabel(r.column) }),
            el('td', { textContent: reasonText(r.reason), title: r.reason }),
          );
          body.append(tr);
        }
        const head = el(
          'tr',
          {},
          ...(['hh.import.row', 'hh.import.column', 'hh.import.reason'] as MessageKey[]).map((k) =>
            el('th', { scope: 'col', textContent: t(k) }),
          ),
        );
        this.status.replaceChildren(
          p(tf('hh.import.refused', { n: rows }), 'details-error'),
          el(
            'div',
            { className: 'audit-table-wrap' },
            el('table', { id: 'import-errors', className: 'audit-table' }, el('thead', {}, head), body),
          ),
        );
        this.status.firstElementChild?.setAttribute('role', 'alert');
        break;
      }
      case 'error':
        this.status.replaceChildren(p(s.text, 'details-error'));
        this.status.firstElementChild?.setAttribute('role', 'alert');
        break;
    }
  }
}
