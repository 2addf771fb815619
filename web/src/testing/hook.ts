// The browser tests' hook: `window.__gridd = { map, selected(), editor(),
// coverage(), command() }` of the page shown now. Imported only when the bundle is built
// with `vite build --mode e2e`; the budget check fails a production bundle
// that contains it.

import { inspect } from '../app/inspect';

declare global {
  interface Window {
    __gridd?: unknown;
  }
}

export function install(): void {
  window.__gridd = {
    get map() {
      return inspect.page?.map ?? null;
    },
    selected: () => inspect.page?.selected() ?? null,
    editor: () => inspect.page?.editor?.() ?? null,
    coverage: () => inspect.page?.coverage?.() ?? null,
    command: () => inspect.page?.command?.() ?? null,
  };
}
