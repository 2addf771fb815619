// The frame around every page: brand, navigation (only the pages the signed-in
// role may use), the signed-in user with their role and the sign-out button (or
// the sign-in link), the language switch, and two slots that a page fills with
// its own header controls (#page-lead, #page-controls).

import { can, currentUser, onUserChange, rolesOf, type Action, type User } from './auth';
import { applyStaticTexts, lang, onLangChange, setLang, t, tf, type MessageKey } from '../i18n';
import { formatRoute, nextOf, type PageName, type Route } from './routes';
import type { Router } from './router';
import { signOut } from './session';
import { byId, el } from '../lib/dom';

/** A user's roles by title: in Chinese as the server writes them, else from the catalogue. */
export function roleTitles(u: User): string {
  return rolesOf(u)
    .map((r) => {
      const zh = u.grants.find((g) => g.role === r)?.role_zh;
      return lang() === 'zh' && zh ? zh : t(`role.${r}` as MessageKey);
    })
    .join(lang() === 'zh' ? '、' : ', ');
}

/** "演示网格规划员 · 网格规划员": who is signed in, and as what. */
export function userLabel(u: User): string {
  const roles = roleTitles(u);
  return `${u.display_name || u.name}${roles ? ` · ${roles}` : ''}`;
}

interface NavItem {
  page: PageName;
  label: MessageKey;
  needs: Action;
}

/** The pages in the navigation, each with the action that opens it to a role. */
export const NAV: NavItem[] = [
  { page: 'editor', label: 'nav.editor', needs: 'grids.edit' },
  { page: 'coverage', label: 'nav.coverage', needs: 'coverage.view' },
  { page: 'command', label: 'nav.command', needs: 'cases.view' },
  { page: 'field', label: 'nav.field', needs: 'field.patrol' },
  { page: 'households', label: 'nav.households', needs: 'households.view' },
  { page: 'patrols', label: 'nav.patrols', needs: 'patrols.view' },
  { page: 'public', label: 'nav.public', needs: 'public.view' },
  { page: 'audit', label: 'nav.audit', needs: 'audit.view' },
  { page: 'admin', label: 'nav.admin', needs: 'admin.users' },
];

export class Shell {
  readonly lead: HTMLElement;
  readonly controls: HTMLElement;
  readonly subName: HTMLElement;
  private readonly navList: HTMLElement;
  private readonly navToggle: HTMLButtonElement;
  private readonly user: HTMLElement;
  private readonly signInLink: HTMLAnchorElement;
  private readonly signOutButton: HTMLButtonElement;
  private readonly langSwitch: HTMLButtonElement;
  private route: Route | null = null;

  constructor(private readonly router: Router) {
    this.lead = byId(document, 'page-lead');
    this.controls = byId(document, 'page-controls');
    this.subName = byId(document, 'subdistrict-name');
    this.navList = byId(document, 'nav-list');
    this.navToggle = byId<HTMLButtonElement>(document, 'nav-toggle');
    this.user = byId(document, 'user-status');
    this.signInLink = byId<HTMLAnchorElement>(document, 'sign-in-link');
    this.signOutButton = byId<HTMLButtonElement>(document, 'sign-out');
    this.signOutButton.addEventListener('click', () => {
      this.signOutButton.disabled = true;
      void signOut().finally(() => {
        this.signOutButton.disabled = false;
        // Whatever page this was, it is the anonymous visitor's now; the public page is always theirs.
        if (!this.router.mayOpen(this.router.now().page)) this.router.go({ page: 'public' });
      });
    });
    this.langSwitch = byId<HTMLButtonElement>(document, 'lang-switch');
    this.langSwitch.addEventListener('click', () => setLang(lang() === 'zh' ? 'en' : 'zh'));
    this.navToggle.addEventListener('click', () => this.setMenu(this.navToggle.getAttribute('aria-expanded') !== 'true'));
    this.navList.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).closest('a')) this.setMenu(false);
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.navToggle.getAttribute('aria-expanded') === 'true') {
        this.setMenu(false);
        this.navToggle.focus();
      }
    });
    onLangChange(() => this.render());
    onUserChange(() => this.render());
    router.onChange((r) => {
      this.route = r;
      this.renderNav();
      this.renderSignInLink();
    });
    applyStaticTexts();
    this.render();
  }

  private setMenu(open: boolean): void {
    this.navToggle.setAttribute('aria-expanded', String(open));
    this.navList.classList.toggle('open', open);
  }

  /** Clear the page slots (a page leaves). */
  clearSlots(): void {
    this.lead.replaceChildren();
    this.controls.replaceChildren();
    this.subName.textContent = '';
  }

  render(): void {
    this.langSwitch.setAttribute('lang', lang() === 'zh' ? 'en' : 'zh-CN');
    const u = currentUser();
    this.user.hidden = u === null;
    this.signOutButton.hidden = u === null;
    this.signInLink.hidden = u !== null;
    if (u) {
      this.user.textContent = userLabel(u);
      this.user.title = `${u.name} · ${tf('user.role', { role: roleTitles(u) })}`;
      this.user.dataset.user = u.name;
    } else {
      this.user.textContent = '';
      delete this.user.dataset.user;
    }
    this.signOutButton.textContent = t('user.signout');
    this.signOutButton.title = u ? userLabel(u) : '';
    this.signInLink.textContent = t('user.signin');
    this.renderSignInLink();
    this.renderNav();
  }

  /** The sign-in link comes back to the page it was followed from. */
  private renderSignInLink(): void {
    const r = this.route;
    this.signInLink.href = formatRoute(
      r && r.page !== 'signin' && r.page !== 'notfound' ? { page: 'signin', next: nextOf(r) } : { page: 'signin' },
    );
    if (r?.page === 'signin') this.signInLink.setAttribute('aria-current', 'page');
    else this.signInLink.removeAttribute('aria-current');
  }

  private renderNav(): void {
    const current = this.route?.page;
    const u = currentUser();
    // Where the header has no room for the user (narrow screens), the menu names them.
    const who = u && el('li', { className: 'nav-user', textContent: userLabel(u) });
    this.navList.replaceChildren(
      ...(who ? [who] : []),
      ...NAV.filter((n) => can(n.needs)).map((n) => {
        const a = el('a', { href: `#/${n.page}`, textContent: t(n.label), className: 'nav-link' });
        a.dataset.page = n.page;
        if (n.page === current) a.setAttribute('aria-current', 'page');
        return el('li', {}, a);
      }),
    );
  }
}
