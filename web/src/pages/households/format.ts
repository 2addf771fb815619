// Wording of the households page: times, rates, standings and the server's
// reasons in the current language.

import { has, lang, t, type MessageKey } from '../../i18n';
import { reasonZh, type Standing } from './model';

const locale = () => (lang() === 'zh' ? 'zh-CN' : 'en-GB');

/** A Unix time, date and minute. */
export function formatTime(unix: number | null | undefined): string {
  if (unix === null || unix === undefined) return t('value.none');
  return new Date(unix * 1000).toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' });
}

/** A share as a percentage (one decimal), or "—". */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return t('value.none');
  return `${(rate * 100).toLocaleString(locale(), { maximumFractionDigits: 1 })}%`;
}

export function standingText(s: Standing): string {
  return t(`hh.standing.${s}` as MessageKey);
}

/** A server reason in the current language: the page's Chinese wording where it has one, else as sent. */
export function reasonText(reason: string): string {
  return lang() === 'zh' ? (reasonZh(reason) ?? reason) : reason;
}

/** A column or field name of the import or the visit form. */
export function fieldLabel(field: string | null): string {
  if (field === null) return t('hh.import.file');
  const key = `hh.col.${field}`;
  return has(key) ? t(key) : field;
}
