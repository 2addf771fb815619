// The few DOM helpers every view uses (no component framework: see README).

/** Create an element with properties (dataset too) and children; falsy children are skipped. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(e, rest);
  if (dataset) for (const [k, v] of Object.entries(dataset)) e.dataset[k] = v;
  for (const c of children) if (c) e.append(c);
  return e;
}

/** A small button. */
export function btn(label: string, onClick: () => void, opts: { id?: string; title?: string; cls?: string } = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', className: `btn btn-small ${opts.cls ?? ''}`.trim(), textContent: label });
  if (opts.id) b.id = opts.id;
  if (opts.title) b.title = opts.title;
  b.addEventListener('click', onClick);
  return b;
}

/** The element with this id inside `root`, or an error naming it. */
export function byId<T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T {
  const found = root.querySelector<T>(`#${id}`);
  if (!found) throw new Error(`missing #${id}`);
  return found;
}
