// Reporting a case from the map (上报案件): the place is a click on the map,
// then a form — category (grouped by class and major class), description,
// address, the reporter's name and phone, source, urgency, photos. Before
// saving, GET /cases/duplicates lists open cases of the same category nearby
// (within the duplicate rule's metres and days); the operator may open one of
// them instead, or still save. Saving sends POST /cases with an
// Idempotency-Key, so a retry never makes a second case.

import { ApiError, api, type Case, type CaseCandidate, type CaseReport, type CaseSource } from '../../api';
import { t, tf } from '../../i18n';
import { el } from '../../lib/dom';
import { showProblem, uploadPhotos } from './drawer';
import { classNameOf, fieldName, formatTime, paren, sourceName, urgencyName, wordProblem } from './format';
import { groupCategories, newKey } from './model';
import type { Refs } from './refs';

const SOURCES: CaseSource[] = ['hotline', 'walk_in', 'patrol', 'visit'];

export interface ReportHost {
  refs: Refs;
  /** The source a report starts with (the hotline for the command center, a patrol for a grid worker). */
  defaultSource: CaseSource;
  onSaved(c: Case): void;
  onCancel(): void;
  open(number: string): void;
}

export class ReportForm {
  readonly root: HTMLElement;
  private at: [number, number];
  private key = newKey();
  private busy = false;
  /** Candidates shown for these values already: saving now means "still report". */
  private confirmedFor: string | null = null;
  private rule = { radius_m: 50, days: 7 };
  private readonly where: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly problem: HTMLElement;
  private readonly dups: HTMLElement;
  private readonly submit: HTMLButtonElement;

  constructor(
    private readonly host: ReportHost,
    at: [number, number],
  ) {
    this.at = at;
    this.root = el('div', { className: 'report', id: 'report' });
    this.where = el('p', { className: 'muted', id: 'report-where' });
    this.form = el('form', { className: 'edit-form report-form', id: 'report-form' });
    this.form.noValidate = true;
    this.problem = el('div', { className: 'edit-msg error', id: 'report-problem', hidden: true });
    this.problem.setAttribute('role', 'alert');
    this.dups = el('div', { className: 'report-dups', id: 'report-duplicates', hidden: true });
    this.dups.setAttribute('role', 'alert');
    this.submit = el('button', { type: 'submit', className: 'btn btn-primary', id: 'report-save', textContent: t('report.save') });
    this.build();
    void api.duplicateRule().then(
      (r) => (this.rule = r),
      () => undefined,
    );
  }

  /** Move the report to another place (another click on the map). */
  moveTo(at: [number, number]): void {
    this.at = at;
    this.forgetDuplicates();
    this.renderWhere();
  }

  /** Another place or category: the duplicates found no longer apply. */
  private forgetDuplicates(): void {
    this.confirmedFor = null;
    this.dups.hidden = true;
    this.submit.hidden = false;
  }

  private renderWhere(): void {
    this.where.textContent = tf('report.where', { lon: this.at[0].toFixed(6), lat: this.at[1].toFixed(6) });
  }

  private build(): void {
    this.renderWhere();
    const field = (name: string, input: HTMLElement, required = false) => {
      const wrap = el('div', { className: 'field' });
      wrap.dataset.field = name;
      wrap.append(el('label', { htmlFor: input.id, textContent: `${fieldName(name)}${required ? ` ${t('field.required')}` : ''}` }), input);
      if (required) input.setAttribute('aria-required', 'true');
      return wrap;
    };
    const category = el('select', { id: 'report-category', name: 'category' });
    category.append(el('option', { value: '', textContent: t('report.pick') }));
    for (const g of groupCategories(this.host.refs.categoryList, true)) {
      const og = el('optgroup', { label: `${classNameOf(g.class)} · ${g.major}` });
      for (const c of g.items) og.append(el('option', { value: c.code, textContent: `${c.minor}${paren(urgencyName(c.urgency))}` }));
      category.append(og);
    }
    const description = el('textarea', { id: 'report-description', name: 'description', rows: 3 });
    const address = el('input', { type: 'text', id: 'report-address', name: 'address', autocomplete: 'off' });
    const name = el('input', { type: 'text', id: 'report-reporter-name', name: 'reporter.name', autocomplete: 'off' });
    const phone = el('input', { type: 'tel', id: 'report-reporter-phone', name: 'reporter.phone', autocomplete: 'off' });
    const source = el('select', { id: 'report-source', name: 'source' });
    for (const s of SOURCES) source.append(el('option', { value: s, textContent: sourceName(s), selected: s === this.host.defaultSource }));
    const urgency = el('select', { id: 'report-urgency', name: 'urgency' });
    urgency.append(el('option', { value: '', textContent: t('urgency.keep') }));
    for (const u of ['normal', 'same_day', 'immediate']) urgency.append(el('option', { value: u, textContent: urgencyName(u) }));
    const photos = el('input', {
      type: 'file',
      id: 'report-photos',
      name: 'photos',
      multiple: true,
      accept: 'image/jpeg,image/png,image/webp',
    });
    const photoField = el('div', { className: 'field' });
    photoField.dataset.field = 'photos';
    photoField.append(el('label', { htmlFor: photos.id, textContent: t('report.photos') }), photos);
    const cancel = el('button', { type: 'button', className: 'btn', id: 'report-cancel', textContent: t('step.cancel') });
    cancel.addEventListener('click', () => this.host.onCancel());
    // A changed category or place asks for duplicates again.
    category.addEventListener('change', () => this.forgetDuplicates());
    this.form.replaceChildren(
      this.where,
      field('category', category, true),
      field('description', description, true),
      field('address', address),
      field('reporter.name', name),
      field('reporter.phone', phone),
      field('source', source),
      field('urgency', urgency),
      photoField,
      this.dups,
      this.problem,
      el('div', { className: 'edit-actions' }, cancel, this.submit),
    );
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    this.form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.host.onCancel();
    });
    this.root.replaceChildren(this.form);
  }

  focus(): void {
    this.form.querySelector<HTMLElement>('#report-category')?.focus();
  }

  private value(name: string): string {
    return (this.form.querySelector<HTMLInputElement>(`[name="${name}"]`)?.value ?? '').trim();
  }

  private body(photos: number[]): CaseReport {
    const body: CaseReport = {
      source: this.value('source') as CaseSource,
      category: this.value('category'),
      location: { lon: this.at[0], lat: this.at[1] },
      address: this.value('address'),
      description: this.value('description'),
      photos,
    };
    const urgency = this.value('urgency');
    if (urgency) body.urgency = urgency as CaseReport['urgency'];
    const name = this.value('reporter.name');
    const phone = this.value('reporter.phone');
    if (name || phone) body.reporter = { ...(name ? { name } : {}), ...(phone ? { phone } : {}) };
    return body;
  }

  private setBusy(busy: boolean, label = t('report.save')): void {
    this.busy = busy;
    this.submit.disabled = busy;
    this.submit.textContent = busy ? label : t('report.save');
  }

  private showDuplicates(found: CaseCandidate[]): void {
    const list = el('ul', { className: 'report-dup-list' });
    for (const d of found) {
      const open = el('button', { type: 'button', className: 'link', textContent: tf('report.open', { n: d.number }) });
      open.dataset.number = d.number;
      open.addEventListener('click', () => this.host.open(d.number));
      list.append(
        el(
          'li',
          {},
          open,
          el('span', {
            className: 'muted',
            textContent: ` ${tf('report.dupItem', { dist: Math.round(d.distance_m), time: formatTime(d.reported_at) })}`,
          }),
        ),
      );
    }
    const still = el('button', { type: 'submit', className: 'btn', id: 'report-save-anyway', textContent: t('report.saveAnyway') });
    this.dups.replaceChildren(
      el('h3', { textContent: tf('report.dupTitle', { m: Math.round(this.rule.radius_m), d: this.rule.days }) }),
      el('p', { textContent: t('report.dupBody') }),
      list,
      still,
    );
    this.dups.hidden = false;
    this.submit.hidden = true;
  }

  private async save(): Promise<void> {
    if (this.busy) return;
    showProblem(this.problem, this.form, null, 'report');
    const category = this.value('category');
    if (!category) {
      showProblem(
        this.problem,
        this.form,
        { summary: t('problem.fields'), fields: [{ field: 'category', label: fieldName('category'), reason: t('problem.required') }] },
        'report',
      );
      return;
    }
    const signature = JSON.stringify([category, this.at]);
    try {
      if (this.confirmedFor !== signature) {
        this.setBusy(true, t('report.checking'));
        const found = await api.caseDuplicates({ category, lon: this.at[0], lat: this.at[1] });
        this.confirmedFor = signature;
        if (found.length) {
          this.setBusy(false);
          this.showDuplicates(found);
          return;
        }
      }
      const files = [...(this.form.querySelector<HTMLInputElement>('#report-photos')?.files ?? [])];
      this.setBusy(true, t('report.saving'));
      const photos = files.length ? await uploadPhotos(files, (i, n) => this.setBusy(true, tf('step.uploading', { i, n }))) : [];
      this.setBusy(true, t('report.saving'));
      const answer = await api.reportCase(this.body(photos), this.key);
      this.setBusy(false);
      this.host.onSaved(answer.case);
    } catch (err) {
      this.setBusy(false);
      this.submit.hidden = false;
      this.dups.hidden = true;
      // Nothing was stored on a refusal: the next try is a new report.
      if (err instanceof ApiError && err.status === 422) this.key = newKey();
      showProblem(this.problem, this.form, wordProblem(err), 'report');
    }
  }
}
