// The frame around every page: brand, navigation (only the pages the signed-in
// role may use), the signed-in user, the language switch, and two slots that a
// page fills with its own header controls (#page-lead, #page-controls).

import { can, currentUser, onUserChange, type Action } from './auth';
import { applyStaticTexts, lang, onLangChange, setLang, t, tf, type MessageKey } from '../i18n';
import type { PageName, Route } from './routes';
import type { Router } from './router';
import { byId, el } from '../lib/dom';

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
  { page: 'public', label: 'nav.public', needs: 'public.view' },
  { page: 'admin', label: 'nav.admin', needs: 'admin.users' },
];

export class Shell {
  readonly lead: HTMLElement;
  readonly controls: HTMLElement;
  readonly subName: HTMLElement;
  private readonly navList: HTMLElement;
  private readonly navToggle: HTMLButtonElement;
  private readonly user: HTMLAnchorElement;
  private readonly langSwitch: HTMLButtonElement;
  private route: Route | null = null;

  constructor(private readonly router: Router) {
    this.lead = byId(document, 'page-lead');
    this.controls = byId(document, 'page-controls');
    this.subName = byId(document, 'subdistrict-name');
    this.navList = byId(document, 'nav-list');
    this.navToggle = byId<HTMLButtonElement>(document, 'nav-toggle');
    this.user = byId<HTMLAnchorElement>(document, 'user-status');
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
    this.user.textContent = u ? `${u.name} · ${t(`role.${u.role}` as MessageKey)}` : t('user.none');
    this.user.title = u ? tf('user.role', { role: t(`role.${u.role}` as MessageKey) }) : t('user.signin');
    this.renderNav();
  }

  private renderNav(): void {
    const current = this.route?.page;
    this.navList.replaceChildren(
      ...NAV.filter((n) => can(n.needs)).map((n) => {
        const a = el('a', { href: `#/${n.page}`, textContent: t(n.label), className: 'nav-link' });
        a.dataset.page = n.page;
        if (n.page === current) a.setAttribute('aria-current', 'page');
        return el('li', {}, a);
      }),
    );
    void this.router;
  }
}
