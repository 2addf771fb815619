import { describe, expect, test } from 'vitest';
import { ApiError } from '../../api';
import { actionName, fieldName, formatSpan, reasonText, stageName, wordProblem } from './format';

describe('how the command center words things (Chinese by default)', () => {
  test('stages and steps by their Chinese names; unknown codes as sent', () => {
    expect(stageName('reported')).toBe('信息收集');
    expect(stageName('result_reported')).toBe('结果反馈');
    expect(stageName('closed')).toBe('核查结案');
    expect(stageName('merged')).toBe('已合并');
    expect(stageName('someday')).toBe('someday');
    expect(actionName('dispatch')).toBe('派遣');
  });

  test('a 422 names each refused field in Chinese, with the reason', () => {
    const err = new ApiError('invalid input', 422, {
      status: 422,
      errors: [
        { field: 'reason', reason: 'required' },
        { field: 'units', reason: 'dispatch to at least one unit' },
        { field: 'into', reason: 'no case numbered 2026-999999 in this subdistrict' },
        { field: 'units[1]', reason: 'named twice' },
      ],
    });
    const w = wordProblem(err, 'refuse');
    expect(w.summary).toBe('请检查以下内容：');
    expect(w.fields).toEqual([
      { field: 'reason', label: '原因', reason: '必填' },
      { field: 'units', label: '责任单位', reason: '至少选择一个责任单位' },
      { field: 'into', label: '合并到案件（编号）', reason: '本街道没有编号为 2026-999999 的案件' },
      { field: 'units[1]', label: '责任单位', reason: 'named twice' },
    ]);
    expect(fieldName('note', 'report_result')).toBe('处置情况');
    expect(fieldName('location.lon')).toBe('位置');
    expect(reasonText('the point lies outside every subdistrict')).toBe('这个位置不在任何街道内');
  });

  test('a 409 says which steps are possible now, or that the case moved on', () => {
    const notNow = new ApiError('not allowed', 409, {
      status: 409,
      stage: 'reported',
      allowed: ['file', 'refuse', 'merge'],
    } as never);
    expect(wordProblem(notNow).summary).toBe('案件现在处于“信息收集”阶段，不能执行这一步。现在可以：立案、不予立案、合并。');
    const end = new ApiError('not allowed', 409, { status: 409, stage: 'evaluated', allowed: [] } as never);
    expect(wordProblem(end).summary).toBe('案件现在处于“综合评价”阶段，不能再办理。');
    const stale = new ApiError('stale', 409, { status: 409, current_version: 4 });
    expect(wordProblem(stale).summary).toBe('案件已被他人更新（现在是第 4 版），已重新载入，请确认后再提交。');
    expect(wordProblem(new ApiError('no', 403, null)).summary).toBe('你的角色不能对这个案件执行这一步。');
    expect(wordProblem(new ApiError('x', 0, null, true)).summary).toMatch(/无法连接服务器/);
  });

  test('time spans', () => {
    expect(formatSpan(59)).toBe('0 分钟');
    expect(formatSpan(3 * 3600 + 5 * 60)).toBe('3 小时 5 分');
    expect(formatSpan(2 * 86400 + 3600)).toBe('2 天 1 小时');
  });
});
