// The live case feed (GET /api/v1/events, Server-Sent Events): every step of
// every case the session may read, with the case after it. The browser's
// EventSource reconnects by itself and sends Last-Event-ID, so the server
// replays what was missed; when it gives up (the answer was not 200, e.g. the
// session ended) the feed starts a new one after a pause, resuming after the
// last step seen (`?after=`).

import { CASE_EVENTS_URL, type CaseEvent } from '../../api';

export type LiveState = 'connecting' | 'on' | 'off';

export interface LiveOptions {
  onEvent(ev: CaseEvent): void;
  onState(state: LiveState): void;
  /** The feed is open again but cannot resume (no step seen yet): what happened meanwhile must be read again. */
  onGap(): void;
}

export interface Live {
  /** Resolves once the feed is open (subscribed) or has failed once: read the list after it, so no step falls between. */
  readonly ready: Promise<void>;
  stop(): void;
}

const RETRY_MS = 5000;

export function subscribe(o: LiveOptions): Live {
  let es: EventSource | null = null;
  let last: string | null = null;
  let opened = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let settle: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (settle = resolve));

  const connect = () => {
    if (stopped) return;
    o.onState('connecting');
    const url = last ? `${CASE_EVENTS_URL}?after=${encodeURIComponent(last)}` : CASE_EVENTS_URL;
    const source = new EventSource(url);
    es = source;
    source.onopen = () => {
      o.onState('on');
      if (opened && last === null) o.onGap();
      opened = true;
      settle();
    };
    source.addEventListener('case', (e) => {
      const m = e as MessageEvent<string>;
      if (m.lastEventId) last = m.lastEventId;
      let ev: CaseEvent;
      try {
        ev = JSON.parse(m.data) as CaseEvent;
      } catch {
        return;
      }
      o.onEvent(ev);
    });
    source.onerror = () => {
      o.onState('off');
      settle();
      if (source.readyState === EventSource.CLOSED && !stopped) {
        // The browser gave up: try again later, resuming after the last step seen.
        timer = setTimeout(connect, RETRY_MS);
      }
    };
  };
  connect();
  return {
    ready,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      es?.close();
    },
  };
}
