// The calls of the households page (issue 14) over the typed client: a grid's
// households, one household with its visits, recording a visit, who is due
// (the compliance figures) and the import. The types are the document's
// schemas, except where the document cannot say (see `Figures`).

import { http, type Loosen } from '../../api/client';
import type { components } from '../../api/schema';

type Schema<K extends keyof components['schemas']> = Loosen<components['schemas'][K]>;

/** A household as the server shows it to a caller in scope (identity numbers masked only). */
export type Household = Schema<'HouseholdOut'>;
export type Person = Schema<'PersonOut'>;
export type HouseholdDetail = Schema<'HouseholdDetail'>;
export type Visit = Schema<'VisitOut'>;
export type VisitBody = Schema<'VisitBody'>;
export type ImportAnswer = Schema<'ImportAnswer'>;
/** A household on a due or overdue list. */
export type Listed = Schema<'Listed'>;
export type Rate = Schema<'Rate'>;
export type CaseCategory = Schema<'Category'>;

/** The rules' counts of a scope (the document types it as an open object). */
export interface Tally {
  households: number;
  special: number;
  done: number;
  due: number;
  overdue: number;
  year_required: number;
  year_done: number;
  visits: number;
}

/**
 * A scope's figures. The document names the household figures and the case
 * figures both `Figures` (one schema wins), so the page spells this one itself.
 */
export interface Figures {
  tally: Tally;
  year_rate?: number | null;
  quarter_rates: (number | null)[];
  collection: Rate;
  accuracy: Rate;
}

export type Compliance = Omit<Schema<'ComplianceAnswer'>, 'total' | 'grids'> & {
  total: Figures;
  grids: (Omit<Schema<'GridFigures'>, 'figures'> & { figures: Figures })[];
};

/** The import's column mapping: each column's header text in the file (empty: recognised by name). */
export interface ImportMapping {
  building?: string;
  address?: string;
  unit?: string;
  room?: string;
  name?: string;
  phone?: string;
  id_number?: string;
  relation?: string;
  special?: string;
}

export const householdsApi = {
  ofGrid: (id: number, signal?: AbortSignal) => http.get('/api/v1/grids/{id}/households', { path: { id }, signal }),
  one: (id: number, signal?: AbortSignal) => http.get('/api/v1/households/{id}', { path: { id }, signal }),
  recordVisit: (body: VisitBody) => http.post('/api/v1/visits', { body }),
  compliance: (q: { grid?: number; year?: number; quarter?: number }, signal?: AbortSignal) =>
    http.get('/api/v1/visits/compliance', { query: q, signal }).then((a) => a as unknown as Compliance),
  import: (subdistrict: number, mapping: ImportMapping, csv: Blob) =>
    http.post('/api/v1/households/import', {
      query: { subdistrict, ...mapping },
      file: { data: csv, type: 'text/csv' },
    }),
  categories: (signal?: AbortSignal) => http.get('/api/v1/case-categories', { signal }),
};
