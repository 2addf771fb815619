// Workers' positions as they patrol, from the live feed (GET /api/v1/events,
// `patrol_position` events: a worker's newest counted fix of each request,
// sent only to those who may read patrols where it lies). Only the newest
// position of a worker matters, so nothing missed is replayed: after a break
// the next position of each worker puts them right. The browser's EventSource
// reconnects by itself; when it gives up a new one starts after a pause.

import { CASE_EVENTS_URL } from '../../api';

export interface Position {
  n: number;
  worker: number;
  lon: number;
  lat: number;
  time_ms: number;
  subdistrict_id?: number | null;
  grid_path?: number[];
}

const RETRY_MS = 5000;

/** A position as the feed sends it, or null when it is not one. */
export function parsePosition(data: string): Position | null {
  try {
    const p = JSON.parse(data) as Partial<Position>;
    const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    return num(p.worker) && num(p.lon) && num(p.lat) && num(p.time_ms) ? (p as Position) : null;
  } catch {
    return null;
  }
}

/** Call `on` with every position the session may see; returns the stop function. */
export function watchPositions(on: (p: Position) => void, onOpen: () => void = () => undefined): () => void {
  let es: EventSource | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const connect = () => {
    if (stopped) return;
    const source = new EventSource(CASE_EVENTS_URL);
    es = source;
    source.onopen = onOpen;
    source.addEventListener('patrol_position', (e) => {
      const p = parsePosition((e as MessageEvent<string>).data);
      if (p) on(p);
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED && !stopped) timer = setTimeout(connect, RETRY_MS);
    };
  };
  connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    es?.close();
  };
}
