import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';

import { Router } from './app/router';
import { installSession, loadSession } from './app/session';
import { Shell } from './app/shell';
import { forbiddenPage, pages } from './pages';
import { byId } from './lib/dom';

const root = byId(document, 'page');
let shell: Shell | null = null;
const router = new Router(
  root,
  pages(() => shell!),
  forbiddenPage,
);
shell = new Shell(router);
installSession(router);
// Who is signed in decides what every page offers: ask before the first page is built.
void loadSession().then(() => router.start());

// The browser tests' hook is built only into the e2e bundle (vite --mode e2e),
// never into the production one.
if (import.meta.env.MODE === 'e2e') void import('./testing/hook').then((m) => m.install());
