// Every user-visible string of the app lives here. Chinese is the default;
// the English choice is remembered in localStorage.

export type Lang = 'zh' | 'en';

const STORAGE_KEY = 'gridd.lang';

const zh = {
  'app.title': '网格地图 · gridd',
  'app.heading': '网格化社会服务管理',
  'app.subheading': '网格地图',
  'lang.switch': 'English',
  'lang.switch.title': 'Switch to English',
  'panel.toggle': '网格目录',
  'panel.toggle.title': '显示或隐藏侧栏',
  'level.label': '层级',
  'level.all': '全部',
  'level.1': '一级',
  'level.2': '二级',
  'level.3': '三级',
  'level.name.1': '一级网格（社区）',
  'level.name.2': '二级网格',
  'level.name.3': '三级网格',
  'level.short.1': 'L1',
  'level.short.2': 'L2',
  'level.short.3': 'L3',
  'fill.label': '填色',
  'fill.level': '按层级',
  'fill.kind': '按类型',
  'tree.title': '网格目录',
  'tree.aria': '网格层级目录',
  'tree.filter': '搜索名称或编码',
  'tree.empty': '没有匹配的网格',
  'tree.households': '户',
  'tree.subdistrict': '街道',
  'details.title': '网格详情',
  'details.none': '在地图或目录中点选一个网格查看详情。',
  'details.loading': '正在加载详情…',
  'details.name': '名称',
  'details.code': '网格编码',
  'details.level': '层级',
  'details.kind': '类型',
  'details.households': '户数',
  'details.population': '人口',
  'details.version': '版本',
  'details.parent': '上级',
  'details.updated': '更新时间',
  'details.clear': '取消选择',
  'details.clear.title': '取消选择（Esc）',
  'details.zoom': '定位',
  'legend.title': '图例',
  'legend.boundary': '街道边界',
  'legend.selected': '选中网格',
  'status.loading': '正在加载地图数据…',
  'status.error': '无法加载数据',
  'status.unreachable': '无法连接服务器，请检查 gridd 是否在运行。',
  'status.retry': '重试',
  'status.noSubdistrict': '服务器上还没有街道数据。',
  'status.partial': '部分底图数据未能加载：',
  'map.aria': '网格地图',
  'value.none': '—',
  'kind.residential': '住宅',
  'kind.commercial': '商业',
  'kind.scattered': '散居',
  'kind.other': '其他（无住户）',
  'kind.unknown': '未分类',
  'keys.hint': '↑↓ 移动 · ← → 折叠/展开 · Enter 选中 · Esc 取消',
} as const;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  'app.title': 'Grid map · gridd',
  'app.heading': 'Grid-based social services',
  'app.subheading': 'Grid map',
  'lang.switch': '中文',
  'lang.switch.title': '切换到中文',
  'panel.toggle': 'Grids',
  'panel.toggle.title': 'Show or hide the side panel',
  'level.label': 'Level',
  'level.all': 'All',
  'level.1': 'L1',
  'level.2': 'L2',
  'level.3': 'L3',
  'level.name.1': 'Level 1 grid (community)',
  'level.name.2': 'Level 2 grid',
  'level.name.3': 'Level 3 grid',
  'level.short.1': 'L1',
  'level.short.2': 'L2',
  'level.short.3': 'L3',
  'fill.label': 'Fill',
  'fill.level': 'By level',
  'fill.kind': 'By kind',
  'tree.title': 'Grid hierarchy',
  'tree.aria': 'Grid hierarchy',
  'tree.filter': 'Search name or code',
  'tree.empty': 'No grid matches',
  'tree.households': 'hh',
  'tree.subdistrict': 'Subdistrict',
  'details.title': 'Grid details',
  'details.none': 'Pick a grid on the map or in the hierarchy to see its details.',
  'details.loading': 'Loading details…',
  'details.name': 'Name',
  'details.code': 'Grid code',
  'details.level': 'Level',
  'details.kind': 'Kind',
  'details.households': 'Households',
  'details.population': 'Population',
  'details.version': 'Version',
  'details.parent': 'Parent',
  'details.updated': 'Updated',
  'details.clear': 'Clear',
  'details.clear.title': 'Clear the selection (Esc)',
  'details.zoom': 'Zoom to',
  'legend.title': 'Legend',
  'legend.boundary': 'Subdistrict boundary',
  'legend.selected': 'Selected grid',
  'status.loading': 'Loading map data…',
  'status.error': 'Could not load data',
  'status.unreachable': 'The server cannot be reached. Is gridd running?',
  'status.retry': 'Retry',
  'status.noSubdistrict': 'The server holds no subdistrict yet.',
  'status.partial': 'Part of the basemap could not be loaded: ',
  'map.aria': 'Grid map',
  'value.none': '—',
  'kind.residential': 'Residential',
  'kind.commercial': 'Commercial',
  'kind.scattered': 'Scattered housing',
  'kind.other': 'Other (no households)',
  'kind.unknown': 'Unclassified',
  'keys.hint': '↑↓ move · ← → collapse/expand · Enter select · Esc clear',
};

const dictionaries: Record<Lang, Record<MessageKey, string>> = { zh, en };

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch {
    // Storage can be disabled (private mode, file://): fall back silently.
  }
  return 'zh';
}

let current: Lang = initialLang();
const listeners = new Set<(lang: Lang) => void>();

export function lang(): Lang {
  return current;
}

/** Translate a key in the current language. */
export function t(key: MessageKey): string {
  return dictionaries[current][key];
}

/** Name of a grid kind in the current language; unknown kinds are shown as sent. */
export function kindName(kind: string | null | undefined): string {
  if (!kind) return t('kind.unknown');
  const key = `kind.${kind}` as MessageKey;
  return key in zh ? t(key) : kind;
}

export function levelName(level: number): string {
  const key = `level.name.${level}` as MessageKey;
  return key in zh ? t(key) : `L${level}`;
}

/** Format an integer with the locale's grouping. */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return t('value.none');
  return n.toLocaleString(current === 'zh' ? 'zh-CN' : 'en-GB');
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return t('value.none');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(current === 'zh' ? 'zh-CN' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}

export function setLang(next: Lang): void {
  if (next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not persisted; the switch still applies to this page.
  }
  applyStaticTexts();
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn: (lang: Lang) => void): void {
  listeners.add(fn);
}

/**
 * Fill every element marked with data-i18n (text), data-i18n-title,
 * data-i18n-placeholder or data-i18n-aria (aria-label) from the dictionary.
 */
export function applyStaticTexts(root: ParentNode = document): void {
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.title');
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as MessageKey);
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) {
    el.title = t(el.dataset.i18nTitle as MessageKey);
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-aria]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAria as MessageKey));
  }
  for (const el of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder as MessageKey);
  }
}
