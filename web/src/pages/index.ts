// The route table: which page each route name mounts, and the action that
// opens it to a role (null: anyone, signed in or not).

import type { PageEntry } from '../app/router';
import type { PageName } from '../app/routes';
import type { Shell } from '../app/shell';
import { forbiddenPage, notFoundPage, placeholderPage } from './placeholder';
import { publicPage } from './public';
import { signInPage } from './signin';
import { workspacePage } from './workspace';

export { forbiddenPage };

export function pages(shell: () => Shell): Record<PageName, PageEntry> {
  return {
    // The editor's map is published information: anyone may look; only editors get the tools.
    editor: { mount: workspacePage('editor', shell), needs: 'grids.view' },
    coverage: { mount: workspacePage('coverage', shell), needs: 'coverage.view' },
    command: { mount: placeholderPage('command'), needs: 'cases.view' },
    field: { mount: placeholderPage('field'), needs: 'field.patrol' },
    admin: { mount: placeholderPage('admin'), needs: 'admin.users' },
    signin: { mount: signInPage, needs: null },
    public: { mount: publicPage, needs: 'public.view' },
    notfound: { mount: notFoundPage, needs: null },
  };
}
