// The visit form (走访登记), phone first: a modal sheet over the list with the
// household (chosen from the list), the time (now unless changed; the server
// refuses a time in the future and its reason is shown at the field), the
// outcome, a note, "the record was confirmed" and, optionally, a case to open
// from the visit. Every field the server refuses is named at that field;
// nothing is stored then.

import { ApiError, api } from '../../api';
import { t, tf } from '../../i18n';
import { el } from '../../lib/dom';
import { householdsApi, type CaseCategory, type Household, type Visit } from './api';
import { fieldLabel, reasonText } from './format';
import { fieldProblems, formField, toLocalInput, visitTime } from './model';

export const OUTCOMES = ['visited', 'not_home', 'declined'] as const;

/** The households the form offers, and what happens once a visit is stored. */
export interface VisitFormOptions {
  households: () => readonly Household[];
  saved: (v: Visit) => void;
}

let categories: Promise<CaseCategory[]> | null = null;

/** A household's unit and room (`2单元 301`). */
export function roomOf(h: Household): string {
  return [h.unit && `${h.unit}${/单元$/.test(h.unit) ? '' : t('hh.unit.suffix')}`, h.room].filter(Boolean).join(' ');
}

/** One line naming a household: address, unit, room and its head. */
export function householdLabel(h: Household): string {
  const place = [h.address, roomOf(h)].filter(Boolean).join(' ');
  const head = h.people[0]?.name;
  return head ? `${place} · ${head}` : place;
}

export class VisitForm {
  readonly dialog: HTMLDialogElement;
  private readonly form: HTMLFormElement;
  private readonly errors = new Map<string, HTMLElement>();
  private readonly general: HTMLElement;
  private readonly household: HTMLSelectElement;
  private readonly at: HTMLInputElement;
  private readonly note: HTMLTextAreaElement;
  private readonly confirmed: HTMLInputElement;
  private readonly photos: HTMLInputElement;
  private readonly withCase: HTMLInputElement;
  private readonly caseBox: HTMLElement;
  private readonly category: HTMLSelectElement;
  private readonly description: HTMLTextAreaElement;
  private readonly submit: HTMLButtonElement;
  private openedAt = 0;
  private busy = false;

  constructor(private readonly opts: VisitFormOptions) {
    this.household = el('select', { id: 'visit-household', name: 'household_id', required: true });
    this.at = el('input', { id: 'visit-at', name: 'at', type: 'datetime-local', step: '60' });
    this.note = el('textarea', { id: 'visit-note', name: 'note', rows: 3, maxLength: 2000 });
    this.confirmed = el('input', { id: 'visit-confirmed', name: 'record_confirmed', type: 'checkbox' });
    this.photos = el('input', {
      id: 'visit-photos',
      name: 'photos',
      type: 'file',
      accept: 'image/jpeg,image/png,image/webp',
      multiple: true,
    });
    this.withCase = el('input', { id: 'visit-case', name: 'case', type: 'checkbox' });
    this.category = el('select', { id: 'visit-case-category', name: 'case.category' });
    this.description = el('textarea', { id: 'visit-case-description', name: 'case.description', rows: 2, maxLength: 4000 });
    this.general = el('p', { id: 'visit-error', className: 'details-error', role: 'alert', hidden: true });
    this.submit = el('button', { type: 'submit', id: 'visit-submit', className: 'btn btn-primary', textContent: t('hh.visit.save') });
    const cancel = el('button', { type: 'button', id: 'visit-cancel', className: 'btn', textContent: t('hh.visit.cancel') });
    cancel.addEventListener('click', () => this.close());

    const error = (field: string) => {
      const p = el('p', { className: 'hh-field-error', hidden: true, dataset: { field } });
      p.id = `visit-error-${field.replace(/\W/g, '-')}`;
      p.setAttribute('role', 'alert');
      this.errors.set(field, p);
      return p;
    };
    const row = (label: string, input: HTMLElement, field: string) => {
      const err = error(field);
      input.setAttribute('aria-describedby', err.id);
      return el('label', { className: 'hh-form-row' }, el('span', { textContent: label }), input, err);
    };
    const outcomes = el(
      'fieldset',
      { className: 'hh-outcomes', id: 'visit-outcome' },
      el('legend', { textContent: t('hh.visit.outcome') }),
    );
    for (const o of OUTCOMES) {
      const r = el('input', { type: 'radio', name: 'outcome', value: o, checked: o === 'visited' });
      outcomes.append(el('label', { className: 'hh-radio' }, r, el('span', { textContent: t(`hh.outcome.${o}`) })));
    }
    outcomes.append(error('outcome'));
    this.withCase.addEventListener('change', () => {
      this.caseBox.hidden = !this.withCase.checked;
      if (this.withCase.checked) void this.loadCategories();
    });
    this.caseBox = el(
      'div',
      { className: 'hh-case', hidden: true },
      row(t('hh.visit.caseCategory'), this.category, 'case.category'),
      row(t('hh.visit.caseDescription'), this.description, 'case.description'),
    );
    this.form = el(
      'form',
      { className: 'hh-visit-form', noValidate: true },
      el('h2', { id: 'visit-title', textContent: t('hh.visit.title') }),
      row(t('hh.visit.household'), this.household, 'household_id'),
      row(t('hh.visit.at'), this.at, 'at'),
      outcomes,
      row(t('hh.visit.note'), this.note, 'note'),
      row(t('hh.visit.photos'), this.photos, 'photos'),
      el('label', { className: 'hh-check' }, this.confirmed, el('span', { textContent: t('hh.visit.confirmed') })),
      error('record_confirmed'),
      el('label', { className: 'hh-check' }, this.withCase, el('span', { textContent: t('hh.visit.withCase') })),
      this.caseBox,
      error('case'),
      this.general,
      el('div', { className: 'hh-form-actions' }, cancel, this.submit),
    );
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    this.dialog = el('dialog', { id: 'visit-dialog', className: 'hh-dialog' }, this.form);
    this.dialog.setAttribute('aria-labelledby', 'visit-title');
  }

  /** Open the form for a household (the list's choice), the time now. */
  open(householdId: number): void {
    const list = this.opts.households();
    this.household.replaceChildren(
      ...list.map((h) => el('option', { value: String(h.id), textContent: householdLabel(h), selected: h.id === householdId })),
    );
    this.openedAt = Math.floor(Date.now() / 1000);
    this.at.value = toLocalInput(this.openedAt);
    this.at.max = toLocalInput(this.openedAt + 60);
    this.note.value = '';
    this.photos.value = '';
    this.confirmed.checked = false;
    this.withCase.checked = false;
    this.caseBox.hidden = true;
    this.description.value = '';
    for (const r of this.form.querySelectorAll<HTMLInputElement>('input[name="outcome"]')) r.checked = r.value === 'visited';
    this.clearErrors();
    if (!this.dialog.open) this.dialog.showModal();
  }

  close(): void {
    if (this.dialog.open) this.dialog.close();
  }

  private async loadCategories(): Promise<void> {
    if (this.category.options.length) return;
    categories ??= householdsApi.categories().catch((e: unknown) => {
      categories = null;
      throw e;
    });
    try {
      const list = (await categories).filter((c) => c.active);
      this.category.replaceChildren(
        el('option', { value: '', textContent: t('hh.visit.casePick') }),
        ...list.map((c) => el('option', { value: c.code, textContent: `${c.major} · ${c.minor}` })),
      );
    } catch (err) {
      this.showError('case', err instanceof ApiError ? err.message : String(err));
    }
  }

  private clearErrors(): void {
    for (const p of this.errors.values()) {
      p.hidden = true;
      p.textContent = '';
    }
    for (const i of this.form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    this.general.hidden = true;
    this.general.textContent = '';
  }

  private showError(field: string, text: string): void {
    const p = this.errors.get(field) ?? this.errors.get(formField(field));
    if (!p) {
      this.general.hidden = false;
      this.general.textContent = [this.general.textContent, field ? `${fieldLabel(field)}：${text}` : text].filter(Boolean).join('\n');
      return;
    }
    p.hidden = false;
    p.textContent = p.textContent ? `${p.textContent}；${text}` : text;
    p.closest('label')?.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
  }

  private async save(): Promise<void> {
    if (this.busy) return;
    this.clearErrors();
    const householdId = Number(this.household.value);
    const outcome = this.form.querySelector<HTMLInputElement>('input[name="outcome"]:checked')?.value ?? 'visited';
    const at = visitTime(this.at.value, this.openedAt);
    let bad = false;
    if (!householdId) {
      this.showError('household_id', t('hh.reason.required'));
      bad = true;
    }
    if (at === 'bad') {
      this.showError('at', t('hh.visit.badTime'));
      bad = true;
    }
    if (this.withCase.checked && !this.category.value) {
      this.showError('case.category', t('hh.reason.required'));
      bad = true;
    }
    if (this.withCase.checked && !this.description.value.trim()) {
      this.showError('case.description', t('hh.reason.required'));
      bad = true;
    }
    if (bad) return;
    this.busy = true;
    this.submit.disabled = true;
    this.submit.textContent = t('hh.visit.saving');
    try {
      const files = [...(this.photos.files ?? [])];
      if (files.length > 9) {
        this.showError('photos', t('hh.visit.tooManyPhotos'));
        return;
      }
      const photos: number[] = [];
      for (const [i, f] of files.entries()) {
        this.submit.textContent = tf('step.uploading', { i: i + 1, n: files.length });
        try {
          photos.push((await api.uploadCasePhoto(f, f.type || 'application/octet-stream')).id);
        } catch (err) {
          if (err instanceof ApiError && (err.status === 413 || err.status === 415)) {
            this.showError('photos', `${f.name}：${t(err.status === 413 ? 'problem.tooLarge' : 'problem.notImage')}`);
            return;
          }
          throw err;
        }
      }
      this.submit.textContent = t('hh.visit.saving');
      const v = await householdsApi.recordVisit({
        household_id: householdId,
        at: at === null || at === 'bad' ? null : at,
        outcome,
        note: this.note.value,
        photos,
        record_confirmed: this.confirmed.checked,
        case: this.withCase.checked ? { category: this.category.value, description: this.description.value.trim() } : null,
      });
      this.close();
      this.opts.saved(v);
    } catch (err) {
      if (!(err instanceof ApiError)) {
        this.showError('', String(err));
      } else if (err.unreachable) {
        this.showError('', t('status.unreachable'));
      } else {
        const fields = fieldProblems(err.problem);
        if (fields.length) for (const f of fields) this.showError(f.field, reasonText(f.reason));
        else this.showError('', tf('hh.problem', { detail: err.message }));
      }
    } finally {
      this.busy = false;
      this.submit.disabled = false;
      this.submit.textContent = t('hh.visit.save');
    }
  }
}
