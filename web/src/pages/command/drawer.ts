// The case drawer (案件详情): one case's fields (the reporter as the server
// sends it: masked unless the role may read reporters), its whole history from
// GET /cases/{id}/history (who, when, the note, what the step decided, photos
// as thumbnails), and the steps the session may take from the case's stage,
// each with its fields (dispatch pre-filled with GET /cases/{id}/proposal).
// The server's refusals are shown next to the form: each refused field under
// it (422), the steps possible now (409), a newer version (409, reloaded).

import { ApiError, api, type Case, type CaseEvent, type CaseStep, type CaseUnit } from '../../api';
import { currentSession } from '../../app/auth';
import { t, tf, type MessageKey } from '../../i18n';
import { el } from '../../lib/dom';
import { stageBadge } from './board';
import {
  actionName,
  dueText,
  fieldName,
  formatFullTime,
  formatSpan,
  formatTime,
  joinList,
  paren,
  sourceName,
  stageName,
  stepKindName,
  urgencyName,
  wordProblem,
  classNameOf,
  type Worded,
} from './format';
import {
  dispatchChoices,
  dueOf,
  groupCategories,
  isOpen,
  missingChoices,
  newKey,
  offeredActions,
  STEP_FIELDS,
  stepBody,
  type FieldSpec,
  type StepAction,
  type StepValues,
} from './model';
import type { Refs } from './refs';

export interface DrawerHost {
  refs: Refs;
  /** Now, Unix seconds, on the server's clock. */
  now(): number;
  /** The board's case of that number, if it has it. */
  known(number: string): Case | undefined;
  /** The drawer learnt a newer case (a step's answer): the board takes it too. */
  onCase(c: Case): void;
  /** Open another case (a duplicate, the case merged into). */
  open(number: string): void;
  close(): void;
}

/** A photo as a thumbnail that opens the full image in a new window. */
export function photoThumb(id: number): HTMLElement {
  const url = api.casePhotoUrl(id);
  const img = el('img', { src: url, alt: tf('photo.alt', { id }), loading: 'lazy', className: 'case-thumb' });
  const a = el('a', { href: url, target: '_blank', rel: 'noopener', title: t('photo.open') }, img);
  return a;
}

/** Upload the files of a file input, in order; answers their ids. */
export async function uploadPhotos(files: readonly File[], progress: (i: number, n: number) => void): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, f] of files.entries()) {
    progress(i + 1, files.length);
    const answer = await api.uploadCasePhoto(f, f.type || 'application/octet-stream');
    ids.push(answer.id);
  }
  return ids;
}

/** Show a worded problem: the summary in `box`, each field's reason under its field in `form`. */
export function showProblem(box: HTMLElement, form: HTMLElement | null, w: Worded | null, prefix: string): void {
  form?.querySelectorAll('.field-error').forEach((e) => e.remove());
  form?.querySelectorAll('[aria-invalid]').forEach((e) => {
    e.removeAttribute('aria-invalid');
    e.removeAttribute('aria-describedby');
  });
  box.replaceChildren();
  box.hidden = !w;
  if (!w) return;
  box.append(el('p', { textContent: w.summary }));
  const elsewhere: HTMLElement[] = [];
  for (const f of w.fields) {
    const base = f.field.replace(/\[\d+\]$/, '');
    const wrap = form?.querySelector<HTMLElement>(`[data-field="${CSS.escape(base)}"]`);
    const text = `${f.label}：${f.reason}`;
    if (wrap) {
      const id = `${prefix}-err-${base.replace(/[^\w-]/g, '_')}`;
      const msg = el('p', { className: 'field-error', id, textContent: f.reason });
      wrap.append(msg);
      const input = wrap.querySelector<HTMLElement>('input, select, textarea');
      input?.setAttribute('aria-invalid', 'true');
      input?.setAttribute('aria-describedby', id);
    }
    elsewhere.push(el('li', { textContent: text }));
  }
  if (elsewhere.length) box.append(el('ul', {}, ...elsewhere));
}

interface FormState {
  action: StepAction;
  /** The case's version the form was opened on (sent as `version`). */
  version: number;
  proposal: CaseUnit[] | null;
}

export class Drawer {
  readonly root: HTMLElement;
  private number: string | null = null;
  private case: Case | null = null;
  private history: CaseStep[] | null = null;
  private loading = false;
  private missing = false;
  private error: string | null = null;
  private form: FormState | null = null;
  /**
   * The open form's element: kept while the case changes under it (a live
   * event), so what the user typed stays; built anew when a form opens, its
   * proposal arrives or the language changes.
   */
  private formEl: HTMLFormElement | null = null;
  private done: string | null = null;
  private busy = false;
  private abort: AbortController | null = null;
  private readonly head: HTMLElement;
  private readonly title: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly closer: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly facts: HTMLElement;
  private readonly actions: HTMLElement;
  private readonly timeline: HTMLElement;
  /** The report form, when the drawer holds it instead of a case. */
  private custom: HTMLElement | null = null;

  constructor(private readonly host: DrawerHost) {
    this.root = el('aside', { className: 'cmd-drawer', id: 'case-drawer', hidden: true });
    this.root.setAttribute('aria-labelledby', 'drawer-title');
    // The head stays while the drawer changes (the title keeps the keyboard's focus).
    this.title = el('h2', { id: 'drawer-title', tabIndex: -1 });
    this.badge = el('span', { className: 'drawer-badge' });
    this.closer = el('button', { type: 'button', className: 'btn btn-small drawer-close', id: 'drawer-close', textContent: '×' });
    this.closer.addEventListener('click', () => this.host.close());
    this.head = el('header', { className: 'drawer-head' }, this.title, this.badge, this.closer);
    this.status = el('p', { className: 'muted drawer-status', id: 'drawer-status' });
    this.status.setAttribute('role', 'status');
    this.facts = el('div', { className: 'drawer-facts' });
    this.actions = el('section', { className: 'drawer-actions', id: 'case-actions' });
    this.actions.setAttribute('aria-labelledby', 'actions-title');
    this.timeline = el('section', { className: 'drawer-timeline', id: 'case-timeline' });
    this.timeline.setAttribute('aria-labelledby', 'timeline-title');
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !(e.target as HTMLElement).closest('form')) this.host.close();
    });
  }

  /** The number of the case shown, or null. */
  shown(): string | null {
    return this.custom ? null : this.number;
  }

  current(): Case | null {
    return this.custom ? null : this.case;
  }

  /** What the drawer shows, for the tests' hook. */
  probe(): unknown {
    return {
      open: !this.root.hidden,
      number: this.shown(),
      stage: this.case?.stage ?? null,
      version: this.case?.version ?? null,
      steps: this.history?.map((s) => s.kind) ?? null,
      form: this.form?.action ?? null,
      report: !!this.custom,
    };
  }

  hide(): void {
    this.abort?.abort();
    this.number = null;
    this.case = null;
    this.history = null;
    this.form = null;
    this.custom = null;
    this.root.hidden = true;
  }

  /** Hold another view (the report form) instead of a case. */
  hold(title: string, body: HTMLElement): void {
    this.abort?.abort();
    this.number = null;
    this.case = null;
    this.form = null;
    this.custom = body;
    this.root.hidden = false;
    this.renderHead(title, null);
    this.root.replaceChildren(this.head, el('div', { className: 'drawer-body' }, body));
  }

  /** Show a case by its number: at once from the board, then fresh from the server with its history. */
  async show(number: string, note: string | null = null): Promise<void> {
    if (this.number === number && !this.custom) return;
    this.abort?.abort();
    const ctrl = new AbortController();
    this.abort = ctrl;
    this.custom = null;
    this.number = number;
    this.case = this.host.known(number) ?? null;
    this.history = null;
    this.form = null;
    this.done = note;
    this.missing = false;
    this.error = null;
    this.loading = true;
    this.root.hidden = false;
    this.root.replaceChildren(this.head, el('div', { className: 'drawer-body' }, this.status, this.facts, this.actions, this.timeline));
    this.render();
    try {
      let c = this.case;
      if (!c) c = await this.find(number, ctrl.signal);
      if (ctrl.signal.aborted) return;
      if (!c) {
        this.missing = true;
      } else {
        const [fresh, history] = await Promise.all([api.case(c.id, ctrl.signal), api.caseHistory(c.id, ctrl.signal)]);
        if (ctrl.signal.aborted) return;
        this.take(fresh);
        this.history = history;
      }
    } catch (err) {
      if (ctrl.signal.aborted || (err instanceof DOMException && err.name === 'AbortError')) return;
      if (err instanceof ApiError && err.status === 404) this.missing = true;
      else this.error = wordProblem(err).summary;
    }
    this.loading = false;
    this.render();
  }

  /** A case that is not on the board (closed, or not loaded): among the latest finished ones. */
  private async find(number: string, signal: AbortSignal): Promise<Case | null> {
    const known = this.host.known(number);
    if (known) return known;
    for (const open of [true, false]) {
      const list = await api.cases({ open, limit: 1000 }, signal);
      const hit = list.find((c) => c.number === number);
      if (hit) return hit;
    }
    return null;
  }

  /** Take a newer version of the shown case. */
  private take(c: Case): void {
    if (this.case && this.case.id === c.id && this.case.version > c.version) return;
    this.case = c;
    this.number = c.number;
  }

  /** A live event: the shown case moved on (a step by someone else, or the sweep): show it and its new step. */
  onEvent(ev: CaseEvent): void {
    if (this.custom || !this.case || ev.case.id !== this.case.id) return;
    if (ev.case.version <= this.case.version) return;
    this.take(ev.case);
    void this.reloadHistory();
    this.render();
  }

  private async reloadHistory(): Promise<void> {
    const c = this.case;
    if (!c) return;
    try {
      const h = await api.caseHistory(c.id);
      if (this.case?.id !== c.id) return;
      this.history = h;
      this.renderTimeline();
    } catch {
      // The history stays as it was; the next event or a reopen reads it again.
    }
  }

  /** Move the keyboard to the drawer (it was opened by the user). */
  focusTitle(): void {
    this.title.focus();
  }

  /** The language changed. */
  relabel(): void {
    if (this.custom) return;
    this.formEl = null;
    if (this.number) this.render();
  }

  /** Time passed: what the deadline says now. */
  tick(): void {
    if (this.custom || !this.case) return;
    const due = this.facts.querySelector('[data-field="deadline"]');
    if (due) due.replaceChildren(...this.deadlineParts(this.case));
  }

  private renderHead(title: string, stage: string | null): void {
    this.title.textContent = title;
    this.badge.replaceChildren(...(stage ? [stageBadge(stage)] : []));
    this.closer.setAttribute('aria-label', t('drawer.close'));
    this.closer.title = t('drawer.close');
  }

  private render(): void {
    const c = this.case;
    this.renderHead(tf('page.command.case', { n: this.number ?? '' }), c?.stage ?? null);
    this.status.textContent = this.error
      ? this.error
      : this.missing
        ? tf('drawer.missing', { n: this.number ?? '' })
        : this.loading && !c
          ? t('drawer.loading')
          : '';
    this.status.classList.toggle('details-error', !!this.error || this.missing);
    this.status.hidden = !this.status.textContent;
    this.root.dataset.stage = c?.stage ?? '';
    this.root.dataset.number = this.number ?? '';
    this.renderFacts();
    this.renderActions();
    this.renderTimeline();
  }

  private deadlineParts(c: Case): (Node | string)[] {
    if (!c.deadline) return [dueText(c, this.host.now()) || t('value.none')];
    const due = dueOf(c, this.host.now());
    const label = dueText(c, this.host.now());
    return [
      formatFullTime(c.deadline),
      ...(label ? [' ', el('span', { className: `cmd-item-due due-${due}`, textContent: paren(label) })] : []),
    ];
  }

  private renderFacts(): void {
    const c = this.case;
    if (!c) {
      this.facts.replaceChildren();
      return;
    }
    const refs = this.host.refs;
    const dl = el('dl', { className: 'details-list', id: 'case-facts' });
    const row = (field: string, label: string, value: Node | string | (Node | string)[]) => {
      const dd = el('dd', {}, ...(Array.isArray(value) ? value : [value]));
      dd.dataset.field = field;
      dl.append(el('dt', { textContent: label }), dd);
    };
    row('stage', t('case.stage'), stageName(c.stage));
    row('category', t('case.category'), `${refs.categoryLong(c.category)}${paren(c.category)}`);
    row('source', t('case.source'), sourceName(c.source));
    row('urgency', t('case.urgency'), urgencyName(c.urgency));
    row('grid', t('case.grid'), refs.gridPath(c));
    row('address', t('case.address'), c.address || t('value.none'));
    row('description', t('case.description'), c.description);
    const r = c.reporter ?? {};
    const who = [r.name, r.phone, r.email].filter((x): x is string => !!x);
    row('reporter', t('case.reporter'), who.length ? who.join(' · ') : t('case.reporter.none'));
    row('reported_at', t('case.reportedAt'), formatFullTime(c.reported_at));
    if (c.filed_at) row('filed_at', t('case.filedAt'), formatFullTime(c.filed_at));
    if (isOpen(c.stage)) row('deadline', t('case.deadline'), this.deadlineParts(c));
    else if (c.deadline) row('deadline', t('case.deadline'), formatFullTime(c.deadline));
    if (c.units.length) row('units', t('case.units'), joinList(c.units.map((u) => refs.unitName(u, c.subdistrict_id))));
    if (c.supervision) row('supervision', t('case.supervision'), t(`supervision.${Math.min(2, c.supervision)}` as 'supervision.1'));
    if (c.rework) row('rework', t('case.rework'), String(c.rework));
    if (c.merged_into) row('merged_into', t('case.mergedInto'), tf('case.case', { id: c.merged_into }));
    if (c.merged?.length) row('merged', t('case.merged'), joinList(c.merged.map((id) => tf('case.case', { id }))));
    if (c.closed_at) row('closed_at', t('case.closedAt'), formatFullTime(c.closed_at));
    if (c.on_time !== null && c.on_time !== undefined)
      row('on_time', t('case.onTime'), c.on_time ? t('case.onTime.yes') : t('case.onTime.no'));
    if (c.score) row('score', t('case.score'), t(`score.${c.score}` as 'score.1'));
    row('version', t('case.version'), String(c.version));
    const parts: Node[] = [dl];
    if (c.photos?.length) {
      parts.push(
        el('h3', { textContent: t('case.photos') }),
        el('div', { className: 'case-photos', id: 'case-photos' }, ...c.photos.map((id) => photoThumb(id))),
      );
    }
    this.facts.replaceChildren(...parts);
  }

  private renderActions(): void {
    const c = this.case;
    if (!c) {
      this.actions.replaceChildren();
      this.formEl = null;
      return;
    }
    // The step button that has the focus keeps it through the update.
    const focused = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('#action-buttons [data-action]')?.dataset.action;
    const offered = offeredActions(c.stage, currentSession().serverActions);
    if (this.form && !offered.includes(this.form.action)) this.form = null;
    const parts: Node[] = [el('h3', { id: 'actions-title', textContent: t('actions.title') })];
    if (this.done) {
      const done = el('p', { className: 'edit-msg', id: 'step-done', textContent: this.done, tabIndex: -1 });
      done.setAttribute('role', 'status');
      parts.push(done);
    }
    if (!offered.length) {
      const none = ['refused', 'merged', 'evaluated'].includes(c.stage) ? t('actions.end') : t('actions.none');
      parts.push(el('p', { className: 'muted', id: 'actions-none', textContent: none }));
    } else {
      const buttons = el('div', { className: 'action-buttons', id: 'action-buttons' });
      for (const a of offered) {
        const b = el('button', {
          type: 'button',
          className: `btn${this.form?.action === a ? ' on' : ''}`,
          textContent: actionName(a),
          disabled: this.busy,
        });
        b.dataset.action = a;
        b.setAttribute('aria-expanded', String(this.form?.action === a));
        b.addEventListener('click', () => this.openForm(a));
        buttons.append(b);
      }
      parts.push(buttons);
    }
    const kept = this.form && this.formEl && this.formEl.dataset.action === this.form.action && this.formEl.parentNode === this.actions;
    if (kept && this.formEl) {
      // The open form stays where it is (never detached: what is typed, and the focus in it, stay).
      for (const n of [...this.actions.childNodes]) if (n !== this.formEl) n.remove();
      this.formEl.before(...parts);
    } else {
      this.formEl = this.form ? this.buildForm(c, this.form) : null;
      this.actions.replaceChildren(...parts, ...(this.formEl ? [this.formEl] : []));
    }
    if (focused) this.actions.querySelector<HTMLElement>(`#action-buttons [data-action="${focused}"]`)?.focus();
  }

  private openForm(action: StepAction): void {
    const c = this.case;
    if (!c) return;
    if (this.form?.action === action) {
      this.form = null;
      this.renderActions();
      return;
    }
    this.done = null;
    this.form = { action, version: c.version, proposal: null };
    this.formEl = null;
    this.renderActions();
    this.actions.querySelector<HTMLElement>('#step-form input, #step-form select, #step-form textarea')?.focus();
    if (action === 'dispatch') {
      const state = this.form;
      void api.caseProposal(c.id).then(
        (units) => {
          if (this.form !== state) return;
          state.proposal = units;
          this.formEl = null;
          this.renderActions();
          this.actions.querySelector<HTMLElement>('#step-form input')?.focus();
        },
        () => {
          if (this.form !== state) return;
          state.proposal = [];
          this.formEl = null;
          this.renderActions();
        },
      );
    }
  }

  private buildForm(c: Case, state: FormState): HTMLFormElement {
    const { action } = state;
    const refs = this.host.refs;
    const form = el('form', { className: 'step-form edit-form', id: 'step-form' });
    form.dataset.action = action;
    form.noValidate = true;
    form.append(el('h4', { textContent: actionName(action) }));
    const id = (name: string) => `step-${name}`;
    const label = (spec: FieldSpec) => `${fieldName(spec.name, action)}${spec.required ? ` ${t('field.required')}` : ''}`;
    for (const spec of STEP_FIELDS[action]) {
      const wrap = el('div', { className: 'field' });
      wrap.dataset.field = spec.name;
      const lab = (input: HTMLElement) => {
        wrap.append(el('label', { htmlFor: input.id, textContent: label(spec) }), input);
      };
      switch (spec.kind) {
        case 'textarea': {
          const ta = el('textarea', { id: id(spec.name), name: spec.name, rows: 3 });
          if (spec.required) ta.setAttribute('aria-required', 'true');
          lab(ta);
          break;
        }
        case 'text':
        case 'case': {
          const input = el('input', { type: 'text', id: id(spec.name), name: spec.name, autocomplete: 'off' });
          if (spec.required) input.setAttribute('aria-required', 'true');
          if (spec.kind === 'case') input.placeholder = '2026-000123';
          lab(input);
          break;
        }
        case 'category': {
          const sel = el('select', { id: id(spec.name), name: spec.name });
          for (const g of groupCategories(refs.categoryList, true)) {
            const og = el('optgroup', { label: `${classNameOf(g.class)} · ${g.major}` });
            for (const cat of g.items)
              og.append(el('option', { value: cat.code, textContent: cat.minor, selected: cat.code === c.category }));
            sel.append(og);
          }
          lab(sel);
          break;
        }
        case 'urgency': {
          const sel = el('select', { id: id(spec.name), name: spec.name });
          sel.append(el('option', { value: '', textContent: t('urgency.keep') }));
          for (const u of ['normal', 'same_day', 'immediate']) sel.append(el('option', { value: u, textContent: urgencyName(u) }));
          lab(sel);
          break;
        }
        case 'score': {
          const sel = el('select', { id: id(spec.name), name: spec.name });
          sel.append(el('option', { value: '', textContent: t('score.pick') }));
          for (let s = 5; s >= 1; s--) sel.append(el('option', { value: String(s), textContent: t(`score.${s}` as 'score.1') }));
          sel.setAttribute('aria-required', 'true');
          lab(sel);
          break;
        }
        case 'passed': {
          const fs = el('fieldset', { className: 'step-choice' }, el('legend', { textContent: label(spec) }));
          for (const [value, text] of [
            ['true', t('verify.passed')],
            ['false', t('verify.failed')],
          ] as const) {
            const r = el('input', { type: 'radio', name: 'passed', value, id: id(`passed-${value}`) });
            fs.append(el('label', { className: 'inline' }, r, ` ${text}`));
          }
          wrap.append(fs);
          break;
        }
        case 'photos': {
          const input = el('input', {
            type: 'file',
            id: id(spec.name),
            name: spec.name,
            multiple: true,
            accept: 'image/jpeg,image/png,image/webp',
          });
          lab(input);
          break;
        }
        case 'units': {
          const fs = el('fieldset', { className: 'step-units', id: 'step-units' }, el('legend', { textContent: label(spec) }));
          if (!state.proposal) {
            fs.append(el('p', { className: 'muted', textContent: t('units.loading') }));
          } else {
            fs.append(el('p', { className: 'muted', textContent: t('units.hint') }));
            const choices = dispatchChoices(state.proposal, c.grid_path, refs.departmentCodes(c.subdistrict_id));
            const list = el('ul', { className: 'unit-list' });
            const mark = () => {
              let first = true;
              for (const li of list.querySelectorAll<HTMLElement>('li')) {
                const box = li.querySelector<HTMLInputElement>('input')!;
                li.querySelector('.unit-lead')!.textContent = box.checked && first ? t('units.lead') : '';
                if (box.checked) first = false;
              }
            };
            for (const [i, ch] of choices.entries()) {
              const box = el('input', { type: 'checkbox', id: id(`unit-${i}`), checked: ch.proposed });
              box.dataset.unit = JSON.stringify(ch.unit);
              box.addEventListener('change', mark);
              const name = refs.unitName(ch.unit, c.subdistrict_id);
              list.append(
                el(
                  'li',
                  {},
                  el(
                    'label',
                    { className: 'inline' },
                    box,
                    ` ${name}`,
                    ch.proposed ? el('span', { className: 'muted', textContent: paren(t('units.proposed')) }) : null,
                    el('span', { className: 'unit-lead' }),
                  ),
                ),
              );
            }
            fs.append(list);
            queueMicrotask(mark);
          }
          wrap.append(fs);
          break;
        }
      }
      form.append(wrap);
    }
    const problem = el('div', { className: 'edit-msg error step-problem', id: 'step-problem', hidden: true });
    problem.setAttribute('role', 'alert');
    const submit = el('button', {
      type: 'submit',
      className: 'btn btn-primary',
      id: 'step-submit',
      textContent: this.busy ? t('step.busy') : t('step.submit'),
      disabled: this.busy || (action === 'dispatch' && !state.proposal),
    });
    const cancel = el('button', { type: 'button', className: 'btn', id: 'step-cancel', textContent: t('step.cancel') });
    cancel.addEventListener('click', () => {
      this.form = null;
      this.renderActions();
    });
    form.append(problem, el('div', { className: 'edit-actions' }, cancel, submit));
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.form = null;
        this.renderActions();
        this.actions.querySelector<HTMLElement>(`[data-action="${action}"]`)?.focus();
      }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit(form, state, problem, submit);
    });
    return form;
  }

  /** Read the form's values as the step needs them. */
  private values(form: HTMLFormElement): { values: StepValues; files: File[] } {
    const get = (name: string) => form.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(`[name="${name}"]`);
    const v: StepValues = {};
    for (const k of ['category', 'urgency', 'note', 'reason', 'into', 'approver', 'explanation'] as const) {
      const x = get(k);
      if (x) v[k] = x.value;
    }
    const score = get('score');
    if (score) v.score = score.value ? Number(score.value) : null;
    const passed = form.querySelector<HTMLInputElement>('input[name="passed"]:checked');
    if (form.querySelector('input[name="passed"]')) v.passed = passed ? passed.value === 'true' : null;
    const units = [...form.querySelectorAll<HTMLInputElement>('#step-units input[type="checkbox"]:checked')];
    if (form.querySelector('#step-units')) v.units = units.map((b) => JSON.parse(b.dataset.unit ?? '{}') as CaseUnit);
    const files = form.querySelector<HTMLInputElement>('input[type="file"]');
    return { values: v, files: files?.files ? [...files.files] : [] };
  }

  private async submit(form: HTMLFormElement, state: FormState, problem: HTMLElement, submit: HTMLButtonElement): Promise<void> {
    const c = this.case;
    if (!c || this.busy) return;
    const { action } = state;
    const { values, files } = this.values(form);
    const missing = missingChoices(action, values);
    if (missing.length) {
      showProblem(
        problem,
        form,
        {
          summary: t('problem.fields'),
          fields: missing.map((m) => ({ ...m, label: fieldName(m.field, action), reason: t('problem.required') })),
        },
        'step',
      );
      return;
    }
    this.busy = true;
    submit.disabled = true;
    submit.textContent = t('step.busy');
    showProblem(problem, form, null, 'step');
    try {
      if (files.length) {
        values.photos = await uploadPhotos(files, (i, n) => {
          submit.textContent = tf('step.uploading', { i, n });
        });
      }
      const answer = await api.caseStep(c.id, stepBody(action, values, state.version), newKey());
      this.busy = false;
      this.form = null;
      this.done = tf('step.done', { action: actionName(action) });
      this.take(answer.case);
      this.host.onCase(answer.case);
      this.render();
      this.actions.querySelector<HTMLElement>('#step-done')?.focus();
      await this.reloadHistory();
    } catch (err) {
      this.busy = false;
      submit.disabled = false;
      submit.textContent = t('step.submit');
      showProblem(problem, form, wordProblem(err, action), 'step');
      // A newer version or another stage: show the case as it is now; the form stays for another try.
      if (err instanceof ApiError && err.status === 409) {
        try {
          const fresh = await api.case(c.id);
          this.take(fresh);
          state.version = fresh.version;
          this.host.onCase(fresh);
          this.renderFacts();
          this.renderHead(tf('page.command.case', { n: fresh.number }), fresh.stage);
          void this.reloadHistory();
        } catch {
          // It stays as shown.
        }
      }
    }
  }

  private renderTimeline(): void {
    const c = this.case;
    if (!c) {
      this.timeline.replaceChildren();
      return;
    }
    const parts: Node[] = [el('h3', { id: 'timeline-title', textContent: t('timeline.title') })];
    if (!this.history) {
      parts.push(el('p', { className: 'muted', textContent: t('timeline.loading') }));
    } else if (!this.history.length) {
      parts.push(el('p', { className: 'muted', textContent: t('timeline.empty') }));
    } else {
      const ol = el('ol', { className: 'timeline', id: 'timeline' });
      for (const s of this.history) ol.append(this.stepItem(c, s));
      parts.push(ol);
    }
    this.timeline.replaceChildren(...parts);
  }

  private stepItem(c: Case, s: CaseStep): HTMLElement {
    const refs = this.host.refs;
    const li = el('li', { className: `tl-item tl-${s.kind}`, dataset: { kind: s.kind, seq: String(s.seq) } });
    const move = s.from && s.from !== s.to ? `${stageName(s.from)} → ${stageName(s.to)}` : stageName(s.to);
    li.append(
      el(
        'div',
        { className: 'tl-head' },
        el('strong', { textContent: stepKindName(s.kind) }),
        el('time', { dateTime: new Date(s.at * 1000).toISOString(), textContent: formatTime(s.at), title: formatFullTime(s.at) }),
      ),
      el('div', { className: 'tl-who muted', textContent: `${s.actor} · ${move}` }),
    );
    if (s.note) li.append(el('p', { className: 'tl-note', textContent: s.note }));
    const d = (s.detail ?? {}) as Record<string, unknown>;
    const facts: [string, string][] = [];
    const yes = (b: unknown) => (b ? t('detail.yes') : t('detail.no'));
    const str = (x: unknown) => (typeof x === 'string' || typeof x === 'number' ? String(x) : JSON.stringify(x));
    for (const [k, v] of Object.entries(d)) {
      if (v === null || v === undefined) continue;
      switch (k) {
        case 'deadline':
          facts.push([t('detail.deadline'), formatFullTime(Number(v))]);
          break;
        case 'hours':
          facts.push([t('detail.hours'), str(v)]);
          break;
        case 'category':
          facts.push([t('detail.category'), refs.categoryLong(str(v))]);
          break;
        case 'urgency':
          facts.push([t('detail.urgency'), urgencyName(str(v))]);
          break;
        case 'units':
          if (Array.isArray(v)) facts.push([t('detail.units'), joinList((v as CaseUnit[]).map((u) => refs.unitName(u, c.subdistrict_id)))]);
          break;
        case 'escalated_to':
          facts.push([t('detail.escalated_to'), refs.unitName(v as CaseUnit, c.subdistrict_id)]);
          break;
        case 'approver':
        case 'into':
        case 'duplicate':
        case 'rework':
          facts.push([t(`detail.${k}` as MessageKey), str(v)]);
          break;
        case 'supervision':
          facts.push([t('detail.supervision'), t(`supervision.${Math.min(2, Number(v))}` as 'supervision.0')]);
          break;
        case 'score':
          facts.push([t('detail.score'), t(`score.${Number(v)}` as 'score.1')]);
          break;
        case 'passed':
          facts.push([t('detail.passed'), v ? t('verify.passed') : t('verify.failed')]);
          break;
        case 'on_time':
          facts.push([t('detail.on_time'), yes(v)]);
          break;
        case 'remaining_secs':
        case 'deferred_secs':
          facts.push([t(`detail.${k}` as MessageKey), formatSpan(Number(v))]);
          break;
        default:
          // What the app does not know yet (duplicate_id, …) stays out of the way.
          break;
      }
    }
    if (facts.length) {
      li.append(
        el('dl', { className: 'tl-detail' }, ...facts.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v })])),
      );
    }
    if (s.photos?.length) li.append(el('div', { className: 'case-photos tl-photos' }, ...s.photos.map((id) => photoThumb(id))));
    return li;
  }
}
