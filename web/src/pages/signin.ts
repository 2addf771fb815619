// The sign-in page (#/signin): name and password → POST /api/v1/auth/sign-in,
// then back to the address it was sent from (`?next=`) or the role's own page.
// It says why it is shown (the session expired, the page needs a sign-in) and
// what went wrong (wrong name or password, too many tries with the wait the
// server names, or the server's own detail). The form is plain HTML; no
// inline script (the server's Content-Security-Policy allows none).

import { ApiError } from '../api';
import { currentUser, onUserChange, rolesOf, type Role } from '../app/auth';
import { inspect } from '../app/inspect';
import type { Page, PageFactory, Router } from '../app/router';
import { parseRoute, type PageName, type Route } from '../app/routes';
import { signIn, signOut } from '../app/session';
import { onLangChange, t, tf } from '../i18n';
import { el } from '../lib/dom';
import { userLabel } from '../app/shell';

/** Each role's own page, where signing in leads when no other address is named. */
const HOME: Record<Role, PageName> = {
  subdistrict_admin: 'editor',
  planner: 'editor',
  operator: 'command',
  grid_worker: 'field',
  department: 'command',
  auditor: 'coverage',
  public: 'public',
};

/** Where to go once signed in: the address named, else the signed-in role's own page. */
export function afterSignIn(route: Route, router: Router): Route {
  if (route.next) {
    const target = parseRoute(`#${route.next}`);
    if (target.page !== 'signin') return target;
  }
  const u = currentUser();
  for (const r of u ? rolesOf(u) : []) if (router.mayOpen(HOME[r])) return { page: HOME[r] };
  for (const p of ['editor', 'coverage', 'command', 'field'] as const) if (router.mayOpen(p)) return { page: p };
  return { page: 'public' };
}

/** The message of a refused sign-in. */
export function signInError(err: unknown): string {
  if (!(err instanceof ApiError)) return String(err);
  if (err.unreachable) return t('status.unreachable');
  if (err.status === 401) return t('signin.error.wrong');
  if (err.status === 429) {
    if (err.retryAfter === null) return t('signin.error.throttledSoon');
    return tf('signin.error.throttled', { n: Math.max(1, Math.ceil(err.retryAfter / 60)) });
  }
  return err.problem?.detail ?? err.problem?.title ?? err.message;
}

export const signInPage: PageFactory = (root, route, router): Page => {
  let current = route;
  let busy = false;
  let error: string | null = null;
  let gone = false;
  const wrap = el('div', { className: 'plan-page signin-page' });
  root.append(wrap);
  inspect.page = { map: null, selected: () => null };

  const name = el('input', { id: 'signin-name', name: 'username', type: 'text', autocomplete: 'username', required: true });
  name.setAttribute('autocapitalize', 'none');
  name.spellcheck = false;
  const password = el('input', {
    id: 'signin-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });

  const submit = async () => {
    if (busy) return;
    if (!name.value.trim() || !password.value) {
      error = t('signin.error.empty');
      render();
      (name.value.trim() ? password : name).focus();
      return;
    }
    busy = true;
    error = null;
    render();
    try {
      await signIn(name.value.trim(), password.value);
      if (gone) return;
      password.value = '';
      busy = false;
      router.go(afterSignIn(current, router), { replace: true });
    } catch (err) {
      if (gone) return;
      busy = false;
      error = signInError(err);
      password.value = '';
      render();
      password.focus();
    }
  };

  const render = () => {
    document.title = `${t('page.signin.title')} · ${t('app.title')}`;
    const u = currentUser();
    const form = el('form', { id: 'signin-form', className: 'signin-form', noValidate: true });
    form.setAttribute('aria-labelledby', 'page-title');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void submit();
    });
    const button = el('button', {
      id: 'signin-submit',
      type: 'submit',
      className: 'btn btn-primary',
      disabled: busy,
      textContent: busy ? t('signin.busy') : t('signin.submit'),
    });
    const errorBox = el('p', { id: 'signin-error', className: 'signin-error', textContent: error ?? '' });
    errorBox.setAttribute('role', 'alert');
    errorBox.hidden = error === null;
    name.setAttribute('aria-invalid', String(error !== null && !busy));
    password.setAttribute('aria-invalid', String(error !== null && !busy));
    form.append(
      el('label', { htmlFor: 'signin-name', textContent: t('signin.name') }),
      name,
      el('label', { htmlFor: 'signin-password', textContent: t('signin.password') }),
      password,
      errorBox,
      button,
    );
    const notice =
      current.reason &&
      el('p', {
        id: 'signin-notice',
        className: `signin-notice signin-${current.reason}`,
        textContent: t(current.reason === 'expired' ? 'signin.expired' : 'signin.required'),
      });
    if (notice) notice.setAttribute('role', 'status');
    let signedIn: HTMLElement | null = null;
    if (u) {
      const out = el('button', { type: 'button', id: 'signin-signout', className: 'btn btn-small', textContent: t('user.signout') });
      out.addEventListener('click', () => void signOut().then(() => !gone && render()));
      signedIn = el('p', { id: 'signin-current', className: 'muted' }, tf('signin.current', { user: userLabel(u) }), ' ', out);
    }
    const card = el(
      'section',
      { className: 'plan-card signin-card', id: 'signin' },
      el('h1', { textContent: t('page.signin.title'), id: 'page-title' }),
      notice,
      signedIn,
      form,
      el('p', { className: 'muted signin-public' }, t('signin.public'), ' ', el('a', { href: '#/public', textContent: t('nav.public') })),
    );
    wrap.replaceChildren(card);
  };
  render();
  if (!currentUser()) name.focus();
  const stop = onLangChange(render);
  // The session may end while this page is shown (a 401 elsewhere brought it here): show who is signed in now.
  const stopUser = onUserChange(() => {
    if (!busy && !gone) render();
  });
  return {
    update(r) {
      current = r;
      error = null;
      render();
    },
    unmount() {
      gone = true;
      stop();
      stopUser();
      inspect.page = null;
    },
  };
};
