import { describe, expect, test } from 'vitest';
import { DEFAULT_FONT, labelFont } from './fonts';

describe('labelFont', () => {
  test('the first font the style names in gridd:fonts', () => {
    expect(labelFont({ glyphs: '/fonts/{fontstack}/{range}.pbf', metadata: { 'gridd:fonts': ['Noto Sans CJK SC Bold', 'X'] } })).toEqual([
      'Noto Sans CJK SC Bold',
    ]);
  });
  test('the default font when the style has glyphs but names none', () => {
    expect(labelFont({ glyphs: '/fonts/{fontstack}/{range}.pbf', metadata: {} })).toEqual([DEFAULT_FONT]);
    expect(labelFont({ glyphs: '/fonts/{fontstack}/{range}.pbf', metadata: { 'gridd:fonts': [1, ''] } })).toEqual([DEFAULT_FONT]);
  });
  test('no font without glyphs', () => {
    expect(labelFont({ metadata: { 'gridd:fonts': ['Noto Sans CJK SC Regular'] } })).toBeNull();
    expect(labelFont(undefined)).toBeNull();
  });
});
