// The route table: which page each route name mounts.

import type { PageFactory } from '../app/router';
import type { PageName } from '../app/routes';
import type { Shell } from '../app/shell';
import { notFoundPage, placeholderPage } from './placeholder';
import { publicPage } from './public';
import { workspacePage } from './workspace';

export function pages(shell: () => Shell): Record<PageName, PageFactory> {
  return {
    editor: workspacePage('editor', shell),
    coverage: workspacePage('coverage', shell),
    command: placeholderPage('command'),
    field: placeholderPage('field'),
    admin: placeholderPage('admin'),
    signin: placeholderPage('signin'),
    public: publicPage,
    notfound: notFoundPage,
  };
}
