// The parts of the editor's panel, built from plain data with callbacks: the
// attribute form, the coverage preview's problems, a conflict and the import
// report. The view (view.ts) decides when to show them.

import type { BBox, CoverageProblem, FeatureRepair, GridFeature } from '../api';
import { formatMeasure, has, kindName, levelName, t, tf, type MessageKey } from '../i18n';
import { btn, el } from '../lib/dom';
import { geometryBBox } from '../lib/geom';
import type { ImportReport } from './server';
import { KINDS, type Person, type Session } from './session';

/** The import report: created grids (each selects and zooms), per-feature errors or repairs. */
export function importView(r: ImportReport, on: { select(id: number): void; zoom(items: ImportReport['created']): void }): HTMLElement {
  const box = el('div', { className: `edit-import-report ${r.status}`, id: 'edit-import-report', dataset: { status: r.status } });
  const fill = (key: MessageKey, n = 0) => t(key).replace('{file}', r.file).replace('{parent}', r.parent).replace('{n}', String(n));
  if (r.status === 'busy') {
    box.append(el('p', { className: 'edit-hint', textContent: fill('edit.import.busy') }));
    return box;
  }
  if (r.status === 'done') {
    box.append(el('p', { className: 'edit-msg', textContent: fill('edit.import.done', r.created.length) }));
    const ul = el('ul', { className: 'edit-created' });
    for (const c of r.created) {
      const b = btn(
        `${c.code} ${c.name}`,
        () => {
          on.select(c.id);
          on.zoom([c]);
        },
        { cls: 'edit-created-grid' },
      );
      b.dataset.id = String(c.id);
      ul.append(el('li', {}, el('span', { className: `badge badge-l${Math.min(c.level, 3)}`, textContent: `L${c.level}` }), b));
    }
    box.append(ul);
    if (r.created.length > 1) box.append(btn(t('edit.import.zoomAll'), () => on.zoom(r.created), { id: 'edit-import-zoom' }));
    if (r.repairs.length) {
      box.append(el('p', { className: 'edit-msg', textContent: tf('edit.import.repairs', { n: r.repairs.length }) }));
      const rl = el('ul', { className: 'edit-repairs', id: 'edit-import-repairs' });
      for (const x of r.repairs) {
        const { title, details } = repairText(x);
        rl.append(
          el(
            'li',
            { dataset: { index: String(x.index) } },
            el('strong', { textContent: title }),
            details.length ? el('div', { className: 'muted', textContent: details.join('；') }) : null,
          ),
        );
      }
      box.append(rl);
    }
    return box;
  }
  box.append(
    el('p', {
      className: 'edit-msg error',
      textContent: fill(r.errors.length ? 'edit.import.refused' : 'edit.import.refusedOther', r.errors.length),
    }),
  );
  if (r.errors.length) {
    const ul = el('ul', { className: 'edit-failures' });
    for (const e of r.errors) {
      const where =
        e.index === null
          ? e.field || t('edit.import.file')
          : `${t('edit.import.feature')} #${e.index}${e.feature ? ` (${e.feature})` : ''}${e.field ? ` · ${e.field}` : ''}`;
      ul.append(
        el('li', { dataset: { index: e.index === null ? '' : String(e.index) } }, el('strong', { textContent: where }), `: ${e.reason}`),
      );
    }
    box.append(ul);
  } else if (r.detail) {
    box.append(el('p', { className: 'edit-failures', textContent: r.detail }));
  }
  return box;
}

/**
 * What the server's repair changed in one imported feature, in the current
 * language: the area before and after (m²), then only the counts that are not
 * zero (self-intersections, spikes, duplicate points, parts, holes).
 */
export function repairText(x: FeatureRepair): { title: string; details: string[] } {
  const r = x.report;
  const title = tf('edit.import.repaired', {
    i: x.index,
    feature: x.feature ? ` (${x.feature})` : '',
    before: formatMeasure(r.area_before_m2),
    after: formatMeasure(r.area_after_m2),
    diff: formatMeasure(r.area_difference_m2, true),
  });
  const details: string[] = [];
  if (!r.changed) details.push(t('edit.import.repair.unchanged'));
  if (r.self_intersections.length) details.push(tf('edit.import.repair.selfIntersections', { n: r.self_intersections.length }));
  if (r.spikes_removed.length) details.push(tf('edit.import.repair.spikes', { n: r.spikes_removed.length }));
  if (r.duplicate_points_dropped) details.push(tf('edit.import.repair.duplicates', { n: r.duplicate_points_dropped }));
  if (r.parts_added || r.parts_dropped || r.parts_before !== r.parts_after)
    details.push(
      tf('edit.import.repair.parts', { before: r.parts_before, after: r.parts_after, added: r.parts_added, dropped: r.parts_dropped }),
    );
  if (r.holes_added || r.holes_dropped) details.push(tf('edit.import.repair.holes', { added: r.holes_added, dropped: r.holes_dropped }));
  return { title, details };
}

/** A stale edit: the other version, with reload or reapply. */
export function conflictView(c: { current: GridFeature }, on: { reload(): void; reapply(): void }): HTMLElement {
  return el(
    'div',
    { className: 'edit-conflict', id: 'edit-conflict' },
    el('strong', { textContent: t('edit.conflict.title') }),
    el('p', { textContent: t('edit.conflict.body').replace('{v}', String(c.current.properties.version)) }),
    el(
      'div',
      { className: 'edit-actions' },
      btn(t('edit.conflict.reload'), () => on.reload(), { id: 'edit-conflict-reload' }),
      btn(t('edit.conflict.reapply'), () => on.reapply(), { id: 'edit-conflict-reapply', cls: 'btn-primary' }),
    ),
  );
}

/** The coverage preview's problems; a click on one zooms to it. */
export function problemsView(list: CoverageProblem[], on: { zoom(bbox: BBox): void }): HTMLElement {
  const box = el('div', { className: 'edit-problems', id: 'edit-problems' });
  if (!list.length) {
    box.append(el('p', { className: 'ok', textContent: t('edit.problems.none') }));
    return box;
  }
  box.append(el('strong', { className: 'warn', textContent: t('edit.problems.title').replace('{n}', String(list.length)) }));
  const ul = el('ul');
  for (const p of list) {
    const kindKey = `edit.problem.${p.kind}`;
    const kindLabel = has(kindKey) ? t(kindKey) : p.kind;
    const meas: string[] = [];
    if (p.area_m2 !== undefined) meas.push(`${p.area_m2.toFixed(1)} m²`);
    if (p.width_m !== undefined) meas.push(`${t('edit.width')} ${p.width_m.toFixed(1)} m`);
    const grids = (p.grids ?? []).map((g) => g.code).join(', ');
    const li = el(
      'li',
      { dataset: { kind: p.kind } },
      el('span', { className: 'problem-kind', textContent: kindLabel }),
      meas.length ? el('span', { className: 'muted', textContent: ` ${meas.join(' · ')}` }) : null,
      grids ? el('div', { className: 'muted', textContent: grids }) : null,
      p.message ? el('div', { textContent: p.message }) : null,
      p.fix || p.suggestion ? el('div', { className: 'muted', textContent: `→ ${p.fix ?? p.suggestion}` }) : null,
    );
    if (p.geometry) {
      li.tabIndex = 0;
      li.setAttribute('role', 'button');
      const zoom = () => {
        const bb = geometryBBox(p.geometry!);
        if (bb) on.zoom(bb);
      };
      li.addEventListener('click', zoom);
      li.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          zoom();
        }
      });
    }
    ul.append(li);
  }
  box.append(ul);
  return box;
}

/** The attribute form of the session's grid; `changed` re-renders after a structural change. */
export function formView(s: Session, on: { save(): void; renumber(): void; changed(): void }): HTMLElement {
  const a = s.attrs;
  const form = el('form', { className: 'edit-form', id: 'edit-form' });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    on.save();
  });
  const field = (label: string, input: HTMLElement, extra?: Node | null) =>
    el('label', { className: 'field' }, el('span', { textContent: label }), input, extra ?? null);
  const text = (id: string, value: string, onInput: (v: string) => void) => {
    const i = el('input', { id, type: 'text', value });
    i.addEventListener('input', () => onInput(i.value));
    return i;
  };
  form.append(
    field(
      t('details.name'),
      text('edit-name', a.name, (v) => (a.name = v)),
    ),
  );
  form.append(field(t('details.level'), el('output', { id: 'edit-level', textContent: levelName(s.level) })));
  const code = text('edit-code', a.code, (v) => (a.code = v));
  const renumber =
    s.gridId !== null ? btn(t('edit.renumber'), () => on.renumber(), { id: 'edit-renumber', title: t('edit.renumber.title') }) : null;
  form.append(field(t('details.code'), code, renumber));
  const kind = el('select', { id: 'edit-kind' });
  for (const k of KINDS) {
    const o = el('option', { value: k, textContent: kindName(k) });
    if (k === a.kind) o.selected = true;
    kind.append(o);
  }
  kind.addEventListener('change', () => (a.kind = KINDS.find((k) => k === kind.value) ?? a.kind));
  form.append(field(t('details.kind'), kind));
  const hh = el('input', {
    id: 'edit-households',
    type: 'number',
    min: '0',
    step: '1',
    value: a.households === null ? '' : String(a.households),
  });
  const fromBuildings = s.buildingHouseholds;
  hh.disabled = !a.householdsOverride && fromBuildings !== undefined;
  if (hh.disabled && fromBuildings !== undefined) hh.value = String(fromBuildings);
  hh.addEventListener('input', () => {
    a.households = hh.value === '' ? null : Number(hh.value);
    a.householdsOverride = true;
  });
  const override = el('input', {
    type: 'checkbox',
    id: 'edit-households-override',
    checked: a.householdsOverride || fromBuildings === undefined,
  });
  override.addEventListener('change', () => {
    a.householdsOverride = override.checked;
    if (!override.checked) a.households = null;
    on.changed();
  });
  const hhNote = el(
    'span',
    { className: 'inline muted' },
    override,
    fromBuildings !== undefined
      ? ` ${t('edit.households.override')} (${t('edit.households.fromBuildings')}: ${fromBuildings})`
      : ` ${t('edit.households.manual')}`,
  );
  form.append(field(t('details.households'), hh, hhNote));
  // Responsible people and contacts.
  const people = el('fieldset', { className: 'edit-people', id: 'edit-people' }, el('legend', { textContent: t('edit.responsible') }));
  a.responsible.forEach((r, i) => {
    const rowEl = el('div', { className: 'person' });
    const mk = (key: keyof Person, ph: MessageKey) => {
      const inp = el('input', {
        type: key === 'phone' ? 'tel' : 'text',
        value: r[key],
        placeholder: t(ph),
        id: `edit-person-${i}-${key}`,
      });
      inp.addEventListener('input', () => (r[key] = inp.value));
      return inp;
    };
    rowEl.append(
      mk('name', 'edit.person.name'),
      mk('role', 'edit.person.role'),
      mk('phone', 'edit.person.phone'),
      btn(
        '×',
        () => {
          a.responsible.splice(i, 1);
          on.changed();
        },
        { title: t('edit.person.remove') },
      ),
    );
    people.append(rowEl);
  });
  people.append(
    btn(
      t('edit.person.add'),
      () => {
        a.responsible.push({ name: '', role: '', phone: '' });
        on.changed();
      },
      { id: 'edit-person-add' },
    ),
  );
  form.append(people);
  return form;
}
