// The session's side that talks to the server: asking who is signed in
// (`GET /api/v1/auth/me`), signing in and out, and what happens when any call
// answers 401 (the session ended): the sign-in page, saying so, and back to
// where the user was once signed in again. The state itself is app/auth.ts.

import { ApiError, api } from '../api';
import { setSessionHooks } from '../api/client';
import { ANONYMOUS, csrfToken, currentUser, setSession, type SessionAnswer } from './auth';
import type { Router } from './router';
import { nextOf } from './routes';

/** Ask the server who is signed in (at start); on any failure the visitor is anonymous. */
export async function loadSession(): Promise<void> {
  let answer: SessionAnswer;
  try {
    answer = await api.me();
  } catch {
    answer = ANONYMOUS;
  }
  setSession(answer);
}

/** Sign in; throws the server's ApiError (401 wrong name or password, 429 too many tries). */
export async function signIn(name: string, password: string): Promise<void> {
  const answer = await api.signIn(name, password);
  setSession(answer);
}

/** Sign out; the session ends here even if the server cannot be told (it expires there by itself). */
export async function signOut(): Promise<void> {
  try {
    if (currentUser()) await api.signOut();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
  } finally {
    setSession(ANONYMOUS);
  }
}

/**
 * Every call carries the session's CSRF token on writes; a 401 anywhere but
 * the sign-in page ends the session and shows the sign-in page: "expired" for
 * a user who was signed in, "required" for a visitor who was not.
 */
export function installSession(router: Router): void {
  setSessionHooks({
    csrfToken,
    async refreshCsrf() {
      try {
        setSession(await api.me());
      } catch {
        return null;
      }
      return csrfToken();
    },
    unauthorized() {
      const here = router.now();
      if (here.page === 'signin') return;
      const reason = currentUser() ? 'expired' : 'required';
      router.go({ page: 'signin', next: nextOf(here), reason });
      // On the sign-in page now, so no other page is rebuilt for the anonymous session.
      setSession(ANONYMOUS);
    },
  });
}
