// The map view in the address (`?map=zoom/lat/lng`), kept up to date while
// the map moves, so the view can be shared or reloaded.

import type { Map as MlMap } from 'maplibre-gl';
import type { MapView } from '../app/routes';

/** The view a map shows now. */
export function viewOf(map: MlMap): MapView {
  const c = map.getCenter();
  return { zoom: map.getZoom(), lat: c.lat, lng: c.lng };
}

/** Call `fn` with the view after each move (once it ends); returns the stop function. */
export function watchView(map: MlMap, fn: (v: MapView) => void): () => void {
  const onEnd = () => fn(viewOf(map));
  map.on('moveend', onEnd);
  return () => map.off('moveend', onEnd);
}
