// What the current page shows, for the browser tests' hook (testing/hook.ts,
// built only into the e2e bundle). Pages fill it in; nothing here reaches
// `window` in the production bundle.

import type { Map as MlMap } from 'maplibre-gl';

export interface PageProbe {
  map: MlMap | null;
  selected(): number | null;
  editor?(): unknown;
  coverage?(): unknown;
  command?(): unknown;
}

export const inspect: { page: PageProbe | null } = { page: null };
