import { describe, expect, test } from 'vitest';
import { formatRoute, nextOf, parseRoute, type Route } from './routes';

describe('routes', () => {
  const cases: [string, Route][] = [
    ['#/editor', { page: 'editor' }],
    ['#/editor/grid/33', { page: 'editor', grid: 33 }],
    ['#/editor/grid/33?map=17.25/31.300000/120.600000', { page: 'editor', grid: 33, view: { zoom: 17.25, lat: 31.3, lng: 120.6 } }],
    ['#/coverage/grid/5', { page: 'coverage', grid: 5 }],
    ['#/command', { page: 'command' }],
    ['#/command/case/2026-000123', { page: 'command', caseNumber: '2026-000123' }],
    ['#/command?wall=1', { page: 'command', wall: true }],
    ['#/command?wall=1&rotate=5', { page: 'command', wall: true, rotate: 5 }],
    [
      '#/command?map=15.00/60.170000/24.940000&wall=1&rotate=0',
      { page: 'command', wall: true, rotate: 0, view: { zoom: 15, lat: 60.17, lng: 24.94 } },
    ],
    ['#/field', { page: 'field' }],
    ['#/public', { page: 'public' }],
    ['#/public/grid/12', { page: 'public', grid: 12 }],
    ['#/admin', { page: 'admin' }],
    ['#/admin/calendars', { page: 'admin', section: 'calendars' }],
    ['#/signin', { page: 'signin' }],
    ['#/audit', { page: 'audit' }],
    ['#/households', { page: 'households' }],
    ['#/households/grid/12', { page: 'households', grid: 12 }],
    ['#/signin?next=%2Feditor%2Fgrid%2F33&reason=expired', { page: 'signin', next: '/editor/grid/33', reason: 'expired' }],
    [
      '#/signin?next=%2Feditor%2Fgrid%2F33%3Fmap%3D17.25%2F31.300000%2F120.600000&reason=required',
      { page: 'signin', next: '/editor/grid/33?map=17.25/31.300000/120.600000', reason: 'required' },
    ],
  ];
  test.each(cases)('%s parses and formats back', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
    expect(formatRoute(route)).toBe(hash);
  });

  test('the empty address is the editor', () => {
    expect(parseRoute('')).toEqual({ page: 'editor' });
    expect(parseRoute('#/')).toEqual({ page: 'editor' });
  });

  test('the old #grid= links still open the grid', () => expect(parseRoute('#grid=7')).toEqual({ page: 'editor', grid: 7 }));

  test.each([
    '#/nowhere',
    '#/editor/grid/x',
    '#/editor/case/1',
    '#/command/case/123',
    '#/admin/nope',
    '#/field/1',
    '#/audit/1',
    '#/editor/grid/1/2/3',
  ])('%s is not found', (hash) => expect(parseRoute(hash).page).toBe('notfound'));

  test('a bad map view is ignored, the rest of the address kept', () => {
    expect(parseRoute('#/editor/grid/3?map=99/1/2')).toEqual({ page: 'editor', grid: 3 });
    expect(parseRoute('#/editor?map=a/b/c')).toEqual({ page: 'editor' });
  });

  test('the wall mode: only `wall=1` turns it on, a bad `rotate` is dropped, a case address has none', () => {
    expect(parseRoute('#/command?wall=0')).toEqual({ page: 'command' });
    expect(parseRoute('#/command?rotate=5')).toEqual({ page: 'command' });
    expect(parseRoute('#/command?wall=1&rotate=-3')).toEqual({ page: 'command', wall: true });
    expect(parseRoute('#/command?wall=1&rotate=abc')).toEqual({ page: 'command', wall: true });
    expect(parseRoute('#/command/case/2026-000123?wall=1')).toEqual({ page: 'command', caseNumber: '2026-000123' });
    expect(formatRoute({ page: 'command', caseNumber: '2026-000123', wall: true })).toBe('#/command/case/2026-000123');
    // A wall PC's address survives a sign-in.
    const signin = parseRoute(formatRoute({ page: 'signin', next: nextOf({ page: 'command', wall: true, rotate: 30 }) }));
    expect(parseRoute(`#${signin.next}`)).toEqual({ page: 'command', wall: true, rotate: 30 });
  });

  test('a sign-in returns to the address it was sent from, with its map view', () => {
    const from: Route = { page: 'editor', grid: 33, view: { zoom: 17.25, lat: 31.3, lng: 120.6 } };
    const signin = parseRoute(formatRoute({ page: 'signin', next: nextOf(from), reason: 'expired' }));
    expect(signin.reason).toBe('expired');
    expect(parseRoute(`#${signin.next}`)).toEqual(from);
  });

  test('a sign-in never returns to another sign-in or outside the app; unknown reasons are dropped', () => {
    expect(parseRoute(`#/signin?next=${encodeURIComponent('/signin?next=/editor')}`)).toEqual({ page: 'signin' });
    expect(parseRoute('#/signin?next=https%3A%2F%2Fevil.example')).toEqual({ page: 'signin' });
    expect(parseRoute('#/signin?next=%2F%2Fevil.example')).toEqual({ page: 'signin' });
    expect(parseRoute('#/signin?reason=nope')).toEqual({ page: 'signin' });
    expect(parseRoute('#/signin/extra').page).toBe('notfound');
  });
});
