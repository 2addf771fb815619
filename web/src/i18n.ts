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
  'edit.title': "编辑",
  'edit.title.edit': "编辑网格",
  'edit.title.new': "新建网格",
  'edit.tool.edit': "编辑",
  'edit.tool.new': "新建",
  'edit.tool.split': "分割",
  'edit.tool.merge': "合并",
  'edit.tool.delete': "删除",
  'edit.tool.import': "导入",
  'edit.tool.export': "导出",
  'edit.import.title': "把 GeoJSON 文件导入到选中的上级网格下",
  'edit.export.title': "把当前显示的层级导出为 GeoJSON",
  'edit.import.result': "{file}：导入 {ok} 个，失败 {bad} 个",
  'edit.cancel': "取消",
  'edit.close': "关闭",
  'edit.ok': "确定",
  'edit.save': "保存",
  'edit.preview': "检查覆盖",
  'edit.confirm.title': "保存会破坏覆盖",
  'edit.confirm.body': "覆盖检查发现 {n} 个问题（已在地图上标红）。仍要保存吗？请写明原因，原因会记录在案。",
  'edit.reason': "原因",
  'edit.reason.placeholder': "例如：临时划分，待下周调整",
  'edit.conflict': "别人已先保存了这个网格，当前版本：",
  'edit.conflict.title': "编辑冲突",
  'edit.conflict.body': "这个网格已被他人修改（版本 {v}，地图上蓝色虚线）。可以载入对方的版本，或用您的修改覆盖它。",
  'edit.conflict.reload': "载入最新版本",
  'edit.conflict.reapply': "重新应用我的修改",
  'edit.delete.title': "删除网格",
  'edit.delete.body': "确定删除 {g} 吗？",
  'edit.deleted': "已删除。",
  'edit.discard.title': "放弃修改",
  'edit.discard.body': "当前有未保存的修改，要放弃吗？",
  'edit.drawFirst': "请先在地图上画出网格范围。",
  'edit.needNameCode': "请填写名称和网格编码。",
  'edit.needSelection': "请先在地图或目录中选择一个网格。",
  'edit.saveFirst': "请先保存或取消当前的修改。",
  'edit.err.invalidGeometry': "这个几何图形无法编辑：",
  'edit.err.missing': "服务器尚不支持此操作",
  'edit.help.title': "快捷键",
  'edit.help.mouse': "拖动顶点移动；拖动边中点插入顶点；右键点击顶点删除。顶点会吸附到相邻网格的顶点和边上；与相邻网格共用的顶点移动时，相邻网格一起移动。",
  'edit.hint.vertices': "拖动顶点移动，拖动边中点插入，右键删除顶点。共用顶点会带动相邻网格。",
  'edit.hint.draw': "在地图上逐点点击画出网格，点击起点闭合。会吸附到相邻网格。",
  'edit.hint.split': "画一条穿过网格的分割线，再次点击最后一点结束。",
  'edit.hint.merge': "点击一个相邻的同级网格与选中网格合并。",
  'edit.households.fromBuildings': "楼栋合计",
  'edit.households.manual': "手工填写",
  'edit.households.override': "手工覆盖",
  'edit.key.edit': "编辑选中网格的顶点和属性",
  'edit.key.new': "在选中网格下新建（未选中时新建一级网格）",
  'edit.key.split': "用一条线分割",
  'edit.key.merge': "与相邻同级网格合并",
  'edit.key.delete': "删除选中网格",
  'edit.key.preview': "检查覆盖",
  'edit.key.save': "保存",
  'edit.key.undo': "撤销",
  'edit.key.redo': "重做",
  'edit.key.cancel': "取消当前操作",
  'edit.key.help': "显示或隐藏快捷键帮助",
  'edit.merge.title': "合并网格",
  'edit.merge.body': "把 {b} 合并到 {a}？",
  'edit.mergeDone': "已合并。",
  'edit.mergeSiblings': "只能合并同一上级下的同级网格。",
  'edit.movedAlong': "{n} 个相邻网格共用被移动的顶点，保存时一起修改（紫色）。",
  'edit.multiPolygon': "这个网格由多块组成，只能编辑属性。",
  'edit.noNextCode': "无法获取建议编码，请手工填写。",
  'edit.person.add': "添加负责人",
  'edit.person.name': "姓名",
  'edit.person.role': "职务",
  'edit.person.phone': "电话",
  'edit.person.remove': "移除",
  'edit.previewFailed': "覆盖检查失败：",
  'edit.problems.none': "覆盖检查通过：没有缺口或重叠。",
  'edit.problems.title': "覆盖检查发现 {n} 个问题",
  'edit.renumber': "重新编号下级",
  'edit.renumber.title': "重新编号下级网格",
  'edit.renumber.body': "按阅读顺序重新编号这个网格的所有下级网格？旧编码会保留在编码历史中。",
  'edit.renumber.done': "编码变更（旧 → 新）",
  'edit.renumber.none': "没有编码需要改变。",
  'edit.responsible': "负责人及联系方式",
  'edit.saved': "已保存。",
  'edit.splitDone': "已分割为 {n} 个网格。",
  'edit.tooDeep': "五级网格下不能再建下级。",
  'edit.width': "宽",
  'edit.problem.gap': "缺口",
  'edit.problem.overlap': "重叠",
  'edit.problem.outside_parent': "超出上级",
  'edit.problem.invalid_geometry': "几何无效",
  'edit.problem.duplicate_code': "编码重复",
  'edit.problem.malformed_code': "编码格式错误",
  'edit.problem.code_prefix': "编码前缀不符",
  'edit.problem.bad_parent': "上级错误",
  'edit.problem.too_many_households': "户数过多",
  'edit.problem.too_few_households': "户数过少",
  'edit.problem.building_unassigned': "楼栋未归属",
  'edit.problem.building_split': "楼栋被分割",
  'level.4': "四级",
  'level.5': "五级",
  'level.name.4': "四级网格",
  'level.name.5': "五级网格",
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
  'edit.title': "Editor",
  'edit.title.edit': "Edit grid",
  'edit.title.new': "New grid",
  'edit.tool.edit': "Edit",
  'edit.tool.new': "New",
  'edit.tool.split': "Split",
  'edit.tool.merge': "Merge",
  'edit.tool.delete': "Delete",
  'edit.tool.import': "Import",
  'edit.tool.export': "Export",
  'edit.import.title': "Import a GeoJSON file under the selected parent grid",
  'edit.export.title': "Export the visible level as GeoJSON",
  'edit.import.result': "{file}: {ok} imported, {bad} failed",
  'edit.cancel': "Cancel",
  'edit.close': "Close",
  'edit.ok': "OK",
  'edit.save': "Save",
  'edit.preview': "Check coverage",
  'edit.confirm.title': "Saving breaks coverage",
  'edit.confirm.body': "The coverage check found {n} problem(s) (red on the map). Save anyway? Give a reason; it is recorded.",
  'edit.reason': "Reason",
  'edit.reason.placeholder': "e.g. temporary division, to be fixed next week",
  'edit.conflict': "Someone else saved this grid first; its version is now",
  'edit.conflict.title': "Edit conflict",
  'edit.conflict.body': "This grid was changed by someone else (version {v}, dashed blue on the map). Load their version, or save yours over it.",
  'edit.conflict.reload': "Load the latest version",
  'edit.conflict.reapply': "Reapply my change",
  'edit.delete.title': "Delete grid",
  'edit.delete.body': "Delete {g}?",
  'edit.deleted': "Deleted.",
  'edit.discard.title': "Discard changes",
  'edit.discard.body': "There are unsaved changes. Discard them?",
  'edit.drawFirst': "Draw the grid on the map first.",
  'edit.needNameCode': "Fill in the name and the grid code.",
  'edit.needSelection': "Select a grid on the map or in the hierarchy first.",
  'edit.saveFirst': "Save or cancel the current changes first.",
  'edit.err.invalidGeometry': "This geometry cannot be edited:",
  'edit.err.missing': "The server does not offer this operation yet",
  'edit.help.title': "Keyboard shortcuts",
  'edit.help.mouse': "Drag a vertex to move it; drag an edge midpoint to insert one; right-click a vertex to delete it. Vertices snap to neighbouring grids' vertices and edges; a vertex shared with a neighbour moves the neighbour too.",
  'edit.hint.vertices': "Drag vertices to move, drag midpoints to insert, right-click to delete. Shared vertices move the neighbours too.",
  'edit.hint.draw': "Click point by point to draw the grid; click the first point to close. Snaps to neighbouring grids.",
  'edit.hint.split': "Draw a line across the grid; click the last point again to finish.",
  'edit.hint.merge': "Click an adjacent sibling grid to merge it into the selected one.",
  'edit.households.fromBuildings': "sum of buildings",
  'edit.households.manual': "entered by hand",
  'edit.households.override': "override",
  'edit.key.edit': "Edit the selected grid's vertices and attributes",
  'edit.key.new': "New grid under the selected one (L1 when none)",
  'edit.key.split': "Split by a line",
  'edit.key.merge': "Merge with an adjacent sibling",
  'edit.key.delete': "Delete the selected grid",
  'edit.key.preview': "Check coverage",
  'edit.key.save': "Save",
  'edit.key.undo': "Undo",
  'edit.key.redo': "Redo",
  'edit.key.cancel': "Cancel the current action",
  'edit.key.help': "Show or hide this help",
  'edit.merge.title': "Merge grids",
  'edit.merge.body': "Merge {b} into {a}?",
  'edit.mergeDone': "Merged.",
  'edit.mergeSiblings': "Only sibling grids (same parent and level) can be merged.",
  'edit.movedAlong': "{n} neighbouring grid(s) share the moved vertices and change with this one on saving (purple).",
  'edit.multiPolygon': "This grid has several parts: only its attributes can be edited.",
  'edit.noNextCode': "No code suggestion available; type the code.",
  'edit.person.add': "Add a person",
  'edit.person.name': "Name",
  'edit.person.role': "Role",
  'edit.person.phone': "Phone",
  'edit.person.remove': "Remove",
  'edit.previewFailed': "Coverage check failed:",
  'edit.problems.none': "Coverage check passed: no gap or overlap.",
  'edit.problems.title': "The coverage check found {n} problem(s)",
  'edit.renumber': "Renumber children",
  'edit.renumber.title': "Renumber the child grids",
  'edit.renumber.body': "Renumber every child grid of this grid in reading order? Old codes are kept in the code history.",
  'edit.renumber.done': "Code changes (old → new)",
  'edit.renumber.none': "No code needed to change.",
  'edit.responsible': "Responsible people and contacts",
  'edit.saved': "Saved.",
  'edit.splitDone': "Split into {n} grids.",
  'edit.tooDeep': "A level 5 grid has no children.",
  'edit.width': "width",
  'edit.problem.gap': "Gap",
  'edit.problem.overlap': "Overlap",
  'edit.problem.outside_parent': "Outside the parent",
  'edit.problem.invalid_geometry': "Invalid geometry",
  'edit.problem.duplicate_code': "Duplicate code",
  'edit.problem.malformed_code': "Malformed code",
  'edit.problem.code_prefix': "Code prefix",
  'edit.problem.bad_parent': "Bad parent",
  'edit.problem.too_many_households': "Too many households",
  'edit.problem.too_few_households': "Too few households",
  'edit.problem.building_unassigned': "Building in no grid",
  'edit.problem.building_split': "Building split",
  'level.4': "L4",
  'level.5': "L5",
  'level.name.4': "Level 4 grid",
  'level.name.5': "Level 5 grid",
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
