// How the command center words cases: stage, source, urgency and step names in
// the current language, times, time left to a deadline, and the server's
// problems (422 field reasons, 409 allowed steps or a stale version) as
// sentences. No DOM.

import { ApiError, type Case } from '../../api';
import { has, lang, t, tf, type MessageKey } from '../../i18n';
import { dueOf, span } from './model';

const named = (prefix: string, code: string | null | undefined): string => {
  if (!code) return t('value.none');
  const key = `${prefix}.${code}`;
  return has(key) ? t(key) : code;
};

export const stageName = (s: string | null | undefined): string => named('stage', s);
export const sourceName = (s: string | null | undefined): string => named('source', s);
export const urgencyName = (s: string | null | undefined): string => named('urgency', s);
export const classNameOf = (s: string | null | undefined): string => named('class', s);
export const stepKindName = (s: string | null | undefined): string => named('stepkind', s);
export const actionName = (a: string): string => named('action', a);

/** The label of a field, as a form shows it and as a 422 names it (`units[0]` is the units). */
export function fieldName(field: string, action?: string): string {
  const base = field.replace(/\[\d+\]$/, '').replace(/^location\.(lon|lat)$/, 'location');
  if (action && has(`field.${base}.${action}`)) return t(`field.${base}.${action}` as MessageKey);
  return has(`field.${base}`) ? t(`field.${base}` as MessageKey) : field;
}

/** A server's reason for a refused field, in the current language where it is one the app knows. */
export function reasonText(reason: string): string {
  const r = reason.trim();
  const known: Record<string, MessageKey> = {
    required: 'problem.required',
    'dispatch to at least one unit': 'reason.units',
    'describe the problem': 'reason.describe',
    'a score from 1 to 5': 'reason.score',
    'a phone number: 5 to 20 digits, with + - ( ) or spaces': 'reason.phone',
    'not an e-mail address': 'reason.email',
    'the point lies outside every subdistrict': 'reason.outside',
  };
  if (known[r]) return t(known[r]);
  const noCase = /^no case numbered (.+) in this subdistrict$/.exec(r);
  if (noCase) return tf('reason.noCase', { n: noCase[1] });
  return r;
}

/** Words in brackets, as each language writes them (`（…）` or ` (…)`). */
export const paren = (s: string): string => (lang() === 'zh' ? `（${s}）` : ` (${s})`);

/** A list, as each language joins it (`、` or `, `). */
export const joinList = (items: readonly string[]): string => items.join(lang() === 'zh' ? '、' : ', ');

const locale = () => (lang() === 'zh' ? 'zh-CN' : 'en-GB');

/** A Unix time as a short local date and time (`12月2日 18:05`). */
export function formatTime(unix: number | null | undefined): string {
  if (unix === null || unix === undefined) return t('value.none');
  return new Date(unix * 1000).toLocaleString(locale(), { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A Unix time in full (for a title). */
export function formatFullTime(unix: number | null | undefined): string {
  if (unix === null || unix === undefined) return t('value.none');
  return new Date(unix * 1000).toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'medium' });
}

/** A span of seconds as days and hours, hours and minutes, or minutes. */
export function formatSpan(secs: number): string {
  const s = span(secs);
  if (s.d > 0) return tf('cmd.span.dh', { d: s.d, h: s.h });
  if (s.h > 0) return tf('cmd.span.hm', { h: s.h, m: s.m });
  return tf('cmd.span.m', { m: s.m });
}

/** What the board says of a case's deadline now. */
export function dueText(c: Case, now: number): string {
  const due = dueOf(c, now);
  if (due === 'overdue') return tf('cmd.due.over', { t: formatSpan(now - (c.deadline ?? now)) });
  if (due === 'near' || due === 'ok') return tf('cmd.due.left', { t: formatSpan((c.deadline ?? now) - now) });
  if (c.stage === 'reported') return t('cmd.due.notFiled');
  if (c.stage === 'deferred') return t('cmd.due.deferred');
  return '';
}

/** A server problem, worded for the place it happened: a summary and the refused fields. */
export interface Worded {
  summary: string;
  fields: { field: string; label: string; reason: string }[];
}

/** Word an error of a step or a report (`action` names the step, for its fields' labels). */
export function wordProblem(err: unknown, action?: string): Worded {
  if (!(err instanceof ApiError)) return { summary: String((err as Error)?.message ?? err), fields: [] };
  if (err.unreachable) return { summary: t('status.unreachable'), fields: [] };
  const p = (err.problem ?? {}) as Record<string, unknown>;
  if (err.status === 422 && Array.isArray(p.errors)) {
    const fields = (p.errors as { field: string; reason: string }[]).map((e) => ({
      field: e.field,
      label: fieldName(e.field, action),
      reason: reasonText(e.reason),
    }));
    return { summary: t('problem.fields'), fields };
  }
  if (err.status === 409 && Array.isArray(p.allowed)) {
    const stage = stageName(typeof p.stage === 'string' ? p.stage : '');
    const allowed = (p.allowed as string[]).map(actionName);
    return {
      summary: allowed.length ? tf('problem.notAllowed', { stage, allowed: joinList(allowed) }) : tf('problem.notAllowedNone', { stage }),
      fields: [],
    };
  }
  if (err.status === 409 && typeof p.current_version === 'number') {
    return { summary: tf('problem.stale', { v: p.current_version }), fields: [] };
  }
  if (err.status === 403) return { summary: t('problem.forbidden'), fields: [] };
  if (err.status === 413) return { summary: t('problem.tooLarge'), fields: [] };
  if (err.status === 415) return { summary: t('problem.notImage'), fields: [] };
  return { summary: tf('problem.other', { detail: err.message }), fields: [] };
}
