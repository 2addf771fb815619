// The route table: which page each route name mounts, and the action that
// opens it to a role (null: anyone, signed in or not).

import type { Page, PageEntry, PageFactory } from '../app/router';
import type { PageName, Route } from '../app/routes';
import type { Shell } from '../app/shell';
import { forbiddenPage, notFoundPage, placeholderPage } from './placeholder';
import { publicPage } from './public';
import { signInPage } from './signin';
import { workspacePage } from './workspace';

export { forbiddenPage };

/** A page in a chunk of its own, loaded when first opened (pages few roles use). */
function lazy(load: () => Promise<PageFactory>): PageFactory {
  return (root, route, router): Page => {
    let page: Page | null = null;
    let latest: Route = route;
    let gone = false;
    void load().then((factory) => {
      if (!gone) page = factory(root, latest, router);
    });
    return {
      update(r) {
        latest = r;
        page?.update(r);
      },
      unmount() {
        gone = true;
        page?.unmount();
      },
    };
  };
}

export function pages(shell: () => Shell): Record<PageName, PageEntry> {
  return {
    // The editor's map is published information: anyone may look; only editors get the tools.
    editor: { mount: workspacePage('editor', shell), needs: 'grids.view' },
    coverage: { mount: workspacePage('coverage', shell), needs: 'coverage.view' },
    command: { mount: lazy(() => import('./command/page').then((m) => m.commandPage)), needs: 'cases.view' },
    field: { mount: lazy(() => import('./field/page').then((m) => m.fieldPage)), needs: 'field.patrol' },
    admin: { mount: placeholderPage('admin'), needs: 'admin.users' },
    audit: { mount: lazy(() => import('./audit').then((m) => m.auditPage)), needs: 'audit.view' },
    households: { mount: lazy(() => import('./households/page').then((m) => m.householdsPage)), needs: 'households.view' },
    patrols: { mount: lazy(() => import('./patrols/page').then((m) => m.patrolsPage)), needs: 'patrols.view' },
    signin: { mount: signInPage, needs: null },
    public: { mount: publicPage, needs: 'public.view' },
    notfound: { mount: notFoundPage, needs: null },
  };
}
