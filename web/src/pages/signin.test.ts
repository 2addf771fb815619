import { describe, expect, test } from 'vitest';
import { ApiError } from '../api';
import { signInError } from './signin';

describe('the sign-in page’s messages', () => {
  test('wrong name or password: one message for both', () => {
    expect(signInError(new ApiError('invalid credentials', 401, { status: 401, detail: 'invalid credentials' }))).toBe('用户名或密码错误');
  });

  test('too many tries: the wait from Retry-After, in whole minutes', () => {
    const tooMany = (s: number | null) => new ApiError('slow down', 429, { status: 429 }, false, s);
    expect(signInError(tooMany(300))).toBe('尝试次数过多，请 5 分钟后再试');
    expect(signInError(tooMany(61))).toBe('尝试次数过多，请 2 分钟后再试');
    expect(signInError(tooMany(10))).toBe('尝试次数过多，请 1 分钟后再试');
    expect(signInError(tooMany(null))).toBe('尝试次数过多，请稍后再试');
  });

  test('anything else: the server’s detail; no answer: the server cannot be reached', () => {
    expect(signInError(new ApiError('x', 503, { status: 503, detail: 'the store is being migrated' }))).toBe('the store is being migrated');
    expect(signInError(new ApiError('x', 0, null, true))).toMatch(/无法连接服务器/);
  });
});
