// Pages whose content comes with later issues: each says what will come and
// which issue builds it (the command center is src/pages/command/).

import type { Page, PageFactory } from '../app/router';
import { ADMIN_SECTIONS, formatRoute, nextOf, type Route } from '../app/routes';
import { currentUser } from '../app/auth';
import { roleTitles } from '../app/shell';
import { onLangChange, t, tf, type MessageKey } from '../i18n';
import { el } from '../lib/dom';
import { inspect } from '../app/inspect';

interface Plan {
  title: MessageKey;
  issue: string;
  body: MessageKey;
}

const PLANS: Record<'field' | 'admin', Plan> = {
  field: { title: 'page.field.title', issue: '13', body: 'page.field.body' },
  admin: { title: 'page.admin.title', issue: '10/11', body: 'page.admin.body' },
};

/** The card that tells what a page will hold. */
function planCard(plan: Plan, route: Route): HTMLElement {
  const card = el(
    'section',
    { className: 'plan-card', id: 'plan' },
    el('h1', { textContent: t(plan.title), id: 'page-title' }),
    el('p', { className: 'plan-issue', textContent: tf('page.comes', { issue: plan.issue }) }),
    el('p', { textContent: t(plan.body) }),
  );
  card.dataset.issue = plan.issue;
  if (route.page === 'admin') {
    const nav = el('nav', { className: 'plan-sections' });
    nav.setAttribute('aria-label', t('page.admin.sections'));
    const ul = el('ul');
    for (const s of ADMIN_SECTIONS) {
      const a = el('a', { href: formatRoute({ page: 'admin', section: s }), textContent: t(`page.admin.${s}` as MessageKey) });
      if (route.section === s) a.setAttribute('aria-current', 'page');
      ul.append(el('li', {}, a, el('span', { className: 'muted', textContent: ` — ${t(`page.admin.${s}.body` as MessageKey)}` })));
    }
    nav.append(ul);
    card.append(nav);
  }
  return card;
}

/** A page that only says what will come. */
export function placeholderPage(name: keyof typeof PLANS): PageFactory {
  return (root, route): Page => {
    const plan = PLANS[name];
    let current = route;
    const wrap = el('div', { className: `plan-page plan-${name}` });
    const render = () => {
      document.title = `${t(plan.title)} · ${t('app.title')}`;
      wrap.querySelector('#plan')?.remove();
      wrap.prepend(planCard(plan, current));
    };
    root.append(wrap);
    render();
    inspect.page = { map: null, selected: () => null };
    const stop = onLangChange(render);
    return {
      update(r) {
        current = r;
        render();
      },
      unmount() {
        stop();
        inspect.page = null;
      },
    };
  };
}

/** Any address that names no page. */
export const notFoundPage: PageFactory = (root) => {
  const render = () => {
    document.title = `${t('page.notfound.title')} · ${t('app.title')}`;
    root.replaceChildren(
      el(
        'section',
        { className: 'plan-card', id: 'plan' },
        el('h1', { textContent: t('page.notfound.title'), id: 'page-title' }),
        el('p', { textContent: t('page.notfound.body') }),
        el('a', { href: formatRoute({ page: 'editor' }), className: 'btn', textContent: t('page.notfound.home') }),
      ),
    );
  };
  render();
  inspect.page = { map: null, selected: () => null };
  const stop = onLangChange(render);
  return {
    update: render,
    unmount() {
      stop();
      inspect.page = null;
    },
  };
};

/** A page the signed-in role may not use: says so, names the role, offers another sign-in. */
export const forbiddenPage: PageFactory = (root, route) => {
  const render = () => {
    document.title = `${t('page.forbidden.title')} · ${t('app.title')}`;
    const u = currentUser();
    root.replaceChildren(
      el(
        'section',
        { className: 'plan-card', id: 'forbidden' },
        el('h1', { textContent: t('page.forbidden.title'), id: 'page-title' }),
        el('p', { textContent: u ? tf('page.forbidden.body', { role: roleTitles(u) }) : t('page.forbidden.anonymous') }),
        el(
          'p',
          {},
          el('a', { href: formatRoute({ page: 'signin', next: nextOf(route) }), className: 'btn', textContent: t('page.forbidden.other') }),
          ' ',
          el('a', { href: formatRoute({ page: 'public' }), className: 'btn', textContent: t('nav.public') }),
        ),
      ),
    );
  };
  render();
  inspect.page = { map: null, selected: () => null };
  const stop = onLangChange(render);
  return {
    update: render,
    unmount() {
      stop();
      inspect.page = null;
    },
  };
};
