import { describe, expect, test } from 'vitest';
import { serviceLabels, teamRows } from './public';

describe('the public grid page', () => {
  test('the team shows role, name and only a published phone, in the order given', () => {
    const team = [
      { name: '李楼长', role: 'building_head' as const, role_zh: '楼栋长', phone: null },
      { name: '王街道', role: 'subdistrict_worker' as const, role_zh: '街道工作人员', phone: '0512-65123456' },
    ];
    expect(teamRows({ team })).toEqual([
      ['楼栋长', '李楼长', '—'],
      ['街道工作人员', '王街道', '0512-65123456'],
    ]);
  });

  test('service domains carry their clause', () => {
    const services = [
      ['7.1', '民生保障'],
      ['7.6', '党建工作'],
    ];
    expect(serviceLabels({ services })).toEqual(['民生保障（7.1）', '党建工作（7.6）']);
  });
});
