// The font of the map's text (symbol) layers: the server's style names the
// fonts it serves glyphs for in metadata["gridd:fonts"] and carries `glyphs`
// (/fonts/{fontstack}/{range}.pbf) only when it has any. Without glyphs a
// text layer could not be drawn: callers then leave their labels out.

import type { StyleSpecification } from 'maplibre-gl';

/** The font the server's glyphs are made of by default (fonts-noto-cjk). */
export const DEFAULT_FONT = 'Noto Sans CJK SC Regular';

/** The `text-font` for labels on a map with this style, or null when the style has no glyphs. */
export function labelFont(style: Pick<StyleSpecification, 'glyphs' | 'metadata'> | undefined): string[] | null {
  if (!style?.glyphs) return null;
  const names = (style.metadata as Record<string, unknown> | undefined)?.['gridd:fonts'];
  const first = Array.isArray(names) ? names.find((n): n is string => typeof n === 'string' && n.length > 0) : undefined;
  return [first ?? DEFAULT_FONT];
}
