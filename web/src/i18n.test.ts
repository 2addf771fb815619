import { describe, expect, test } from 'vitest';
import { dictionaries, lang, t, tf } from './i18n';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the catalogue', () => {
  const zh = dictionaries.zh;
  const en = dictionaries.en;

  test('every key is in both languages', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });

  test('no message is empty', () => {
    for (const [k, v] of [...Object.entries(zh), ...Object.entries(en)]) expect(v.trim(), k).not.toBe('');
  });

  test('both languages use the same placeholders', () => {
    for (const k of Object.keys(zh) as (keyof typeof zh)[]) expect(placeholders(en[k]), k).toEqual(placeholders(zh[k]));
  });

  test('Chinese is the default; placeholders are filled', () => {
    expect(lang()).toBe('zh');
    expect(t('nav.command')).toBe('指挥中心');
    expect(tf('page.command.case', { n: '2026-000123' })).toBe('案件 2026-000123');
  });
});
