//! Every word the audit writes, in Chinese and English: the catalogue of the
//! auditor's page and of the problems' messages and fixes.
//!
//! The checks state facts ([`Detail`]); [`message`] and [`fix`] put them into
//! words. The JSON and GeoJSON answers carry the English words unless another
//! language is asked for; the HTML page is Chinese unless English is asked for.
//! The Chinese terms are the web app's (`web/src/i18n.ts`): 缺口, 重叠, 超出上级, 提示….

use super::report::{Detail, Problem, ProblemKind, Report, Severity};
use crate::domain::grid::GridKind;

/// A language of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Chinese (simplified), the product's default.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en`; `Err` says what is accepted.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "zh" => Ok(Self::Zh),
            "en" => Ok(Self::En),
            other => Err(format!("must be zh or en, got {other:?}")),
        }
    }

    /// The query value: `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// The other language (for the page's switch link).
    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }
}

macro_rules! catalogue {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// A text of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key {
            $(
                #[allow(missing_docs)]
                $key,
            )*
        }

        impl Key {
            /// Every key, in catalogue order.
            pub const ALL: &'static [Key] = &[$(Key::$key),*];

            /// The text in one language; `{name}` marks a value filled in by [`fill`].
            pub const fn text(self, lang: Lang) -> &'static str {
                match lang {
                    Lang::Zh => match self { $(Key::$key => $zh,)* },
                    Lang::En => match self { $(Key::$key => $en,)* },
                }
            }
        }
    };
}

catalogue! {
    // The page.
    Title => "覆盖检查报告 {code} {name}", "Coverage audit {code} {name}";
    Heading => "覆盖检查：{name}（{code}）", "Coverage audit: {name} ({code})";
    SwitchLang => "English", "中文";
    SwitchLangTitle => "Switch to English", "切换到中文";
    Pass => "通过：没有缺陷", "PASS: no defect";
    Fail => "未通过", "FAIL";
    Counts => "：缺陷 {defects} 个，提示 {warnings} 个。街道面积 {area} m²。", ": {defects} defects, {warnings} warnings. Subdistrict area {area} m².";
    Settings => "容差 {tol} 米（窄于此宽度的缺口和重叠只计为噪声，不算缺陷）。户数范围：住宅 {rl}–{rh} 户，散居 {sl}–{sh} 户。楼栋在其主要网格外的部分超过 {split} % 时记为被分割。",
        "Tolerance {tol} m (gaps and overlaps narrower than this are counted as noise, never as defects). Size bands: residential {rl}–{rh} households, scattered {sl}–{sh}. Buildings split when more than {split} % lies outside their main grid.";
    MethodLine => "方法：{method}。", "Method: {method}.";
    Method => "面积和宽度在以街道中心为切点的 WGS 84 椭球等距圆柱平面内以米计算；宽度为与该块面积、周长相同的矩形的短边；向内缓冲容差的一半后消失的块计为噪声",
        "areas and widths in metres in an equirectangular frame tangent at the subdistrict's centre on the WGS 84 ellipsoid; width = short side of the rectangle with the piece's area and perimeter; a piece is noise when an inward buffer of half the tolerance erases it";
    SummaryHeading => "汇总", "Summary";
    ColLevel => "层级", "level";
    ColGrids => "网格数", "grids";
    ColTarget => "应覆盖面积 m²", "area to cover m²";
    ColCovered => "已覆盖 m²", "covered m²";
    ColCoverage => "覆盖率", "coverage";
    ColHouseholds => "户数", "households";
    ColDefects => "缺陷", "defects";
    ColWarnings => "提示", "warnings";
    ColNoiseGaps => "噪声缺口（m²）", "noise gaps (m²)";
    ColNoiseOverlaps => "噪声重叠（m²）", "noise overlaps (m²)";
    ColNoiseOutside => "噪声超出上级（m²）", "noise outside parent (m²)";
    MapHeading => "问题分布图", "Map of the problems";
    MapNote => "图中编号即下方问题列表的编号。", "The numbers on the map are those of the list below.";
    MapTitle => "{name} 的网格与问题", "Grids and problems of {name}";
    LegendBoundary => "街道边界", "subdistrict boundary";
    LegendGrids => "{level}网格边界", "{level} grid boundaries";
    LegendKind => "{kind}（{n}）", "{kind} ({n})";
    ScaleBar => "{m} 米", "{m} m";
    North => "北", "N";
    ProblemsHeading => "{level}网格的问题", "Problems of {level} grids";
    NoProblems => "没有问题。", "No problems.";
    Defect => "缺陷", "defect";
    Warning => "提示", "warning";
    Area => "{area} m²", "{area} m²";
    Width => "宽 {width} 米", "{width} m wide";
    FixLabel => "建议：", "Fix: ";
    GridsLabel => "涉及网格：", "grids: ";
    Across => "图宽约 {m} 米", "{m} m across";
    // Problem kinds, as the web app names them.
    KindGap => "缺口", "Gap";
    KindOverlap => "重叠", "Overlap";
    KindOutsideParent => "超出上级", "Outside the parent";
    KindInvalidGeometry => "几何无效", "Invalid geometry";
    KindDuplicateCode => "编码重复", "Duplicate code";
    KindMalformedCode => "编码格式错误", "Malformed code";
    KindCodePrefix => "编码前缀不符", "Code prefix";
    KindBadParent => "上级错误", "Bad parent";
    KindTooManyHouseholds => "户数过多", "Too many households";
    KindTooFewHouseholds => "户数过少", "Too few households";
    KindBuildingUnassigned => "楼栋未归属", "Building in no grid";
    KindBuildingSplit => "楼栋被分割", "Building split";
    KindTeamIncomplete => "团队不全", "Team incomplete";
    // Words inside messages.
    Level1 => "一级", "level 1";
    Level2 => "二级", "level 2";
    Level3 => "三级", "level 3";
    Level4 => "四级", "level 4";
    Level5 => "五级", "level 5";
    LevelOther => "{n} 级", "level {n}";
    Residential => "住宅", "residential";
    Scattered => "散居", "scattered";
    TheSubdistrict => "本街道", "the subdistrict";
    Grid => "网格 {code}", "grid {code}";
    AGrid => "某个网格", "a grid";
    ListSep => "、", ", ";
    ListOr => "{rest} 或 {last}", "{rest} or {last}";
    ListAnd => "{rest} 和 {last}", "{rest} and {last}";
    ListMore => "另外 {n} 个网格", "{n} more";
    PartSep => "，", ", ";
    Building => "楼栋 {id}", "building {id}";
    BuildingNamed => "楼栋 {id}（{name}）", "building {id} ({name})";
    // Messages and fixes.
    GapMessage => "{parent}内有 {area} m²（宽 {width} 米）不在任何{level}网格内", "{area} m² ({width} m wide) of {parent} is in no {level} grid";
    GapFixNew => "在{parent}的缺口上新画一个{level}网格", "draw a new {level} grid over the gap in {parent}";
    GapFixExtend => "扩大{grids}以覆盖缺口，或在此新画一个{level}网格", "extend {grids} to cover the gap, or draw a new {level} grid there";
    OutsideMessageOne => "{who}超出{parent} {area} m²（宽 {width} 米）", "{who} reaches {area} m² ({width} m wide) outside {parent}";
    OutsideMessageMany => "{who}超出{parent}共 {area} m²（宽 {width} 米）", "{who} reach {area} m² ({width} m wide) outside {parent}";
    OutsideFixSubdistrict => "把{who}修剪到街道边界以内", "trim {who} to the subdistrict boundary";
    OutsideFixParent => "把{who}修剪到{parent}以内，或把这部分移到包含它的网格下", "trim {who} to {parent}, or move this part under the grid that holds it";
    OverlapMessage => "网格 {a} 与 {b} 重叠 {area} m²（宽 {width} 米）", "grids {a} and {b} overlap on {area} m² ({width} m wide)";
    OverlapFix => "把重叠部分划给 {a} 或 {b} 之一：从另一个网格中切除", "assign the overlap to one of {a} or {b}: cut it from the other";
    InvalidMessage => "网格 {code} 的几何无效：{why}", "grid {code} has an invalid geometry: {why}";
    InvalidFix => "重画网格 {code}：{why}", "redraw grid {code}: {why}";
    NoParentMessage => "{level}网格 {code} 没有上级", "{level} grid {code} has no parent";
    MissingParentMessage => "网格 {code} 的上级 {parent} 不存在", "grid {code}'s parent {parent} does not exist";
    ParentLevelMessage => "{level}网格 {code} 的上级是{parent}网格", "{level} grid {code} has a {parent} parent";
    ParentFix => "把网格 {code} 放到某个{up}网格下", "put grid {code} under a {up} grid";
    ParentFixExisting => "把网格 {code} 放到某个现有的{up}网格下", "put grid {code} under an existing {up} grid";
    CodePrefixMessage => "网格 {code} 的编码没有以上级编码开头：{reason}", "grid {code}: {reason}";
    CodePrefixFix => "把网格 {code} 重新编码为 {parent} 加一个空闲的三位序号", "renumber grid {code} as {parent} + a free 3-digit sequence";
    MalformedMessage => "网格 {code} 的编码格式错误：{reason}", "grid {code}: {reason}";
    MalformedFix => "重新编码网格 {code}：{reason}", "renumber grid {code}: {reason}";
    DuplicateMessage => "{n} 个网格使用同一编码 {code}（id {ids}）", "{n} grids carry code {code} (ids {ids})";
    DuplicateFix => "编码为 {code} 的网格只保留一个，其余重新编码", "renumber all but one of the grids with code {code}";
    TooManyMessage => "{kind}网格 {code} 有 {h} 户，多于 {most} 户（约 {about} 户）", "{kind} grid {code} holds {h} households, more than {most} (about {about})";
    TooManyFix => "把网格 {code} 分为 {parts} 个约 {about} 户的网格，或在其下设四级网格", "divide grid {code} into {parts} grids of about {about} households, or add level 4 grids under it";
    TooFewMessage => "{kind}网格 {code} 只有 {h} 户，少于 {least} 户（约 {about} 户）", "{kind} grid {code} holds {h} households, fewer than {least} (about {about})";
    TooFewFixMerge => "把网格 {code} 与同一上级下的相邻网格合并", "merge grid {code} with a neighbouring grid of the same parent";
    TooFewFixOnly => "网格 {code} 是其上级下唯一的网格，本层级没有可与它合并的网格；可考虑把其上级与相邻网格合并",
        "grid {code} is its parent's only grid, so nothing at this level can be merged with it; consider merging its parent with a neighbour";
    SplitMessage => "{building}被分割：{parts}", "{building} is split: {parts}";
    SplitPart => "{share} % 在 {code}", "{share} % in {code}";
    SplitPartNone => "{share} % 不在任何网格内", "{share} % in no grid";
    SplitFix => "移动网格边界，使{building}完整地落在网格 {code} 内", "move the boundary so that {building} lies wholly in grid {code}";
    UnassignedMessage => "{building}（{h} 户）有 {share} % 的占地不在任何{level}网格内", "{building} ({h} households) has {share} % of its footprint in no {level} grid";
    UnassignedFix => "扩大某个{level}网格以覆盖{building}", "extend a {level} grid over {building}";
    TeamMessage => "{level}网格 {code} 的团队缺少：{roles}（第 10.2 条）", "{level} grid {code}'s team lacks: {roles} (clause 10.2)";
    TeamFix => "在网格 {code} 的团队中指定{roles}", "assign {roles} in grid {code}'s team";
}

/// `template` with every `{name}` replaced by its value in `args`; a name without
/// a value is left as it is (the catalogue test keeps that from happening).
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of `key` in `lang` with its values filled in.
pub fn say(lang: Lang, key: Key, args: &[(&str, &str)]) -> String {
    fill(key.text(lang), args)
}

/// The name of a problem kind.
pub fn kind(lang: Lang, k: ProblemKind) -> &'static str {
    let key = match k {
        ProblemKind::Gap => Key::KindGap,
        ProblemKind::Overlap => Key::KindOverlap,
        ProblemKind::OutsideParent => Key::KindOutsideParent,
        ProblemKind::InvalidGeometry => Key::KindInvalidGeometry,
        ProblemKind::DuplicateCode => Key::KindDuplicateCode,
        ProblemKind::MalformedCode => Key::KindMalformedCode,
        ProblemKind::CodePrefix => Key::KindCodePrefix,
        ProblemKind::BadParent => Key::KindBadParent,
        ProblemKind::TooManyHouseholds => Key::KindTooManyHouseholds,
        ProblemKind::TooFewHouseholds => Key::KindTooFewHouseholds,
        ProblemKind::BuildingUnassigned => Key::KindBuildingUnassigned,
        ProblemKind::BuildingSplit => Key::KindBuildingSplit,
        ProblemKind::TeamIncomplete => Key::KindTeamIncomplete,
    };
    key.text(lang)
}

/// "defect" or "warning".
pub fn severity(lang: Lang, s: Severity) -> &'static str {
    match s {
        Severity::Defect => Key::Defect.text(lang),
        Severity::Warning => Key::Warning.text(lang),
    }
}

/// A level as a word: 三级 / "level 3".
pub fn level(lang: Lang, l: u8) -> String {
    let key = match l {
        1 => Key::Level1,
        2 => Key::Level2,
        3 => Key::Level3,
        4 => Key::Level4,
        5 => Key::Level5,
        _ => return say(lang, Key::LevelOther, &[("n", &l.to_string())]),
    };
    key.text(lang).to_owned()
}

fn grid_kind(lang: Lang, k: GridKind) -> &'static str {
    match k {
        GridKind::Residential => Key::Residential.text(lang),
        GridKind::Scattered => Key::Scattered.text(lang),
        other => other.as_str(),
    }
}

fn parent(lang: Lang, code: Option<&str>) -> String {
    match code {
        None => Key::TheSubdistrict.text(lang).to_owned(),
        Some(c) => say(lang, Key::Grid, &[("code", c)]),
    }
}

/// Grid codes as "grid A, grid B or grid C" (at most four named, then "n more").
fn list(lang: Lang, codes: &[&str], join: Key) -> String {
    let shown: Vec<String> = codes
        .iter()
        .take(4)
        .map(|c| say(lang, Key::Grid, &[("code", c)]))
        .collect();
    let sep = Key::ListSep.text(lang);
    match shown.len() {
        0 => String::new(),
        1 => shown[0].clone(),
        _ if codes.len() > 4 => {
            let more = say(
                lang,
                Key::ListMore,
                &[("n", &(codes.len() - 4).to_string())],
            );
            say(lang, join, &[("rest", &shown.join(sep)), ("last", &more)])
        }
        k => say(
            lang,
            join,
            &[("rest", &shown[..k - 1].join(sep)), ("last", &shown[k - 1])],
        ),
    }
}

fn building(lang: Lang, id: Option<i64>, name: Option<&str>) -> String {
    let id = id.map_or_else(String::new, |i| i.to_string());
    match name {
        Some(n) => say(lang, Key::BuildingNamed, &[("id", &id), ("name", n)]),
        None => say(lang, Key::Building, &[("id", &id)]),
    }
}

/// The values every message may name: the problem's grids, level and measures.
struct Values {
    codes: Vec<String>,
    level: String,
    area: String,
    width: String,
}

impl Values {
    fn of(lang: Lang, p: &Problem) -> Self {
        Self {
            codes: p.grids.iter().map(|g| g.code.clone()).collect(),
            level: level(lang, p.level),
            area: format!("{:.1}", p.area_m2.unwrap_or(0.0)),
            width: format!("{:.2}", p.width_m.unwrap_or(0.0)),
        }
    }

    fn code(&self, i: usize) -> &str {
        self.codes.get(i).map_or("", String::as_str)
    }

    fn refs(&self) -> Vec<&str> {
        self.codes.iter().map(String::as_str).collect()
    }
}

/// What is wrong, in words.
pub fn message(lang: Lang, p: &Problem) -> String {
    let v = Values::of(lang, p);
    let code = v.code(0);
    match &p.detail {
        Detail::Gap { parent: pc } => say(
            lang,
            Key::GapMessage,
            &[
                ("area", &v.area),
                ("width", &v.width),
                ("parent", &parent(lang, pc.as_deref())),
                ("level", &v.level),
            ],
        ),
        Detail::Outside { parent: pc } => {
            let who = who(lang, &v);
            let key = if v.codes.len() > 1 {
                Key::OutsideMessageMany
            } else {
                Key::OutsideMessageOne
            };
            say(
                lang,
                key,
                &[
                    ("who", &who),
                    ("area", &v.area),
                    ("width", &v.width),
                    ("parent", &parent(lang, pc.as_deref())),
                ],
            )
        }
        Detail::Overlap => say(
            lang,
            Key::OverlapMessage,
            &[
                ("a", code),
                ("b", v.code(1)),
                ("area", &v.area),
                ("width", &v.width),
            ],
        ),
        Detail::InvalidGeometry { why } => {
            say(lang, Key::InvalidMessage, &[("code", code), ("why", why)])
        }
        Detail::NoParent => say(
            lang,
            Key::NoParentMessage,
            &[("level", &v.level), ("code", code)],
        ),
        Detail::MissingParent { parent_id } => say(
            lang,
            Key::MissingParentMessage,
            &[("code", code), ("parent", &parent_id.to_string())],
        ),
        Detail::ParentLevel { parent_level } => say(
            lang,
            Key::ParentLevelMessage,
            &[
                ("level", &v.level),
                ("code", code),
                ("parent", &level(lang, *parent_level)),
            ],
        ),
        Detail::Code { reason, .. } => {
            let key = if p.kind == ProblemKind::CodePrefix {
                Key::CodePrefixMessage
            } else {
                Key::MalformedMessage
            };
            say(lang, key, &[("code", code), ("reason", reason)])
        }
        Detail::DuplicateCode => {
            let ids: Vec<String> = p.grids.iter().map(|g| g.id.to_string()).collect();
            say(
                lang,
                Key::DuplicateMessage,
                &[
                    ("n", &p.grids.len().to_string()),
                    ("code", code),
                    ("ids", &ids.join(", ")),
                ],
            )
        }
        Detail::TooManyHouseholds {
            grid_kind: k,
            households,
            most,
            about,
            ..
        } => say(
            lang,
            Key::TooManyMessage,
            &[
                ("kind", grid_kind(lang, *k)),
                ("code", code),
                ("h", &households.to_string()),
                ("most", &most.to_string()),
                ("about", &about.to_string()),
            ],
        ),
        Detail::TooFewHouseholds {
            grid_kind: k,
            households,
            least,
            about,
            ..
        } => say(
            lang,
            Key::TooFewMessage,
            &[
                ("kind", grid_kind(lang, *k)),
                ("code", code),
                ("h", &households.to_string()),
                ("least", &least.to_string()),
                ("about", &about.to_string()),
            ],
        ),
        Detail::BuildingSplit {
            name,
            parts,
            in_no_grid,
            ..
        } => {
            let mut words: Vec<String> = parts
                .iter()
                .map(|(c, s)| {
                    say(
                        lang,
                        Key::SplitPart,
                        &[("share", &format!("{:.0}", s * 100.0)), ("code", c)],
                    )
                })
                .collect();
            words.extend(in_no_grid.map(|s| {
                say(
                    lang,
                    Key::SplitPartNone,
                    &[("share", &format!("{:.0}", s * 100.0))],
                )
            }));
            say(
                lang,
                Key::SplitMessage,
                &[
                    ("building", &building(lang, p.building_id, name.as_deref())),
                    ("parts", &words.join(Key::PartSep.text(lang))),
                ],
            )
        }
        Detail::BuildingUnassigned {
            name,
            households,
            in_no_grid,
        } => say(
            lang,
            Key::UnassignedMessage,
            &[
                ("building", &building(lang, p.building_id, name.as_deref())),
                ("h", &households.to_string()),
                ("share", &format!("{:.0}", in_no_grid * 100.0)),
                ("level", &v.level),
            ],
        ),
        Detail::TeamIncomplete { missing } => say(
            lang,
            Key::TeamMessage,
            &[
                ("level", &v.level),
                ("code", code),
                ("roles", &roles(lang, missing)),
            ],
        ),
    }
}

/// Team roles as words: 街道领导、社区书记 / subdistrict leader, party secretary.
fn roles(lang: Lang, missing: &[crate::teams::Role]) -> String {
    missing
        .iter()
        .map(|r| match lang {
            Lang::Zh => r.title_zh().to_owned(),
            Lang::En => r.code().replace('_', " "),
        })
        .collect::<Vec<_>>()
        .join(Key::ListSep.text(lang))
}

fn who(lang: Lang, v: &Values) -> String {
    if v.codes.is_empty() {
        Key::AGrid.text(lang).to_owned()
    } else {
        list(lang, &v.refs(), Key::ListAnd)
    }
}

/// A suggested fix, in words.
pub fn fix(lang: Lang, p: &Problem) -> String {
    let v = Values::of(lang, p);
    let code = v.code(0);
    let up = level(lang, p.level.saturating_sub(1));
    match &p.detail {
        Detail::Gap { parent: pc } => {
            let parent = parent(lang, pc.as_deref());
            if v.codes.is_empty() {
                say(
                    lang,
                    Key::GapFixNew,
                    &[("level", &v.level), ("parent", &parent)],
                )
            } else {
                say(
                    lang,
                    Key::GapFixExtend,
                    &[
                        ("grids", &list(lang, &v.refs(), Key::ListOr)),
                        ("level", &v.level),
                    ],
                )
            }
        }
        Detail::Outside { parent: pc } => {
            let who = who(lang, &v);
            match pc {
                None => say(lang, Key::OutsideFixSubdistrict, &[("who", &who)]),
                Some(_) => say(
                    lang,
                    Key::OutsideFixParent,
                    &[("who", &who), ("parent", &parent(lang, pc.as_deref()))],
                ),
            }
        }
        Detail::Overlap => say(lang, Key::OverlapFix, &[("a", code), ("b", v.code(1))]),
        Detail::InvalidGeometry { why } => {
            say(lang, Key::InvalidFix, &[("code", code), ("why", why)])
        }
        Detail::NoParent | Detail::ParentLevel { .. } => {
            say(lang, Key::ParentFix, &[("code", code), ("up", &up)])
        }
        Detail::MissingParent { .. } => {
            say(lang, Key::ParentFixExisting, &[("code", code), ("up", &up)])
        }
        Detail::Code {
            reason,
            parent_code,
        } => {
            if p.kind == ProblemKind::CodePrefix {
                say(
                    lang,
                    Key::CodePrefixFix,
                    &[("code", code), ("parent", parent_code)],
                )
            } else {
                say(
                    lang,
                    Key::MalformedFix,
                    &[("code", code), ("reason", reason)],
                )
            }
        }
        Detail::DuplicateCode => say(lang, Key::DuplicateFix, &[("code", code)]),
        Detail::TooManyHouseholds { about, parts, .. } => say(
            lang,
            Key::TooManyFix,
            &[
                ("code", code),
                ("parts", &parts.to_string()),
                ("about", &about.to_string()),
            ],
        ),
        Detail::TooFewHouseholds { only_child, .. } => {
            let key = if *only_child {
                Key::TooFewFixOnly
            } else {
                Key::TooFewFixMerge
            };
            say(lang, key, &[("code", code)])
        }
        Detail::BuildingSplit { name, main, .. } => say(
            lang,
            Key::SplitFix,
            &[
                ("building", &building(lang, p.building_id, name.as_deref())),
                ("code", main),
            ],
        ),
        Detail::BuildingUnassigned { name, .. } => say(
            lang,
            Key::UnassignedFix,
            &[
                ("level", &v.level),
                ("building", &building(lang, p.building_id, name.as_deref())),
            ],
        ),
        Detail::TeamIncomplete { missing } => say(
            lang,
            Key::TeamFix,
            &[("code", code), ("roles", &roles(lang, missing))],
        ),
    }
}

/// A problem with its message and fix written in `lang`.
pub fn worded(mut p: Problem, lang: Lang) -> Problem {
    p.message = message(lang, &p);
    p.fix = fix(lang, &p);
    p
}

/// Rewrites every problem's message and fix in `lang`.
pub fn reword(problems: &mut [Problem], lang: Lang) {
    for p in problems {
        p.message = message(lang, p);
        p.fix = fix(lang, p);
    }
}

/// Rewrites a whole report's messages and fixes in `lang`.
pub fn reword_report(r: &mut Report, lang: Lang) {
    for l in &mut r.levels {
        reword(&mut l.problems, lang);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn placeholders(s: &str) -> BTreeSet<&str> {
        s.split('{')
            .skip(1)
            .filter_map(|t| t.split_once('}').map(|(n, _)| n))
            .collect()
    }

    #[test]
    fn both_languages_have_every_key_with_the_same_values() {
        assert!(Key::ALL.len() > 50);
        for &k in Key::ALL {
            let (zh, en) = (k.text(Lang::Zh), k.text(Lang::En));
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{k:?}");
            assert_eq!(placeholders(zh), placeholders(en), "{k:?}: {zh} / {en}");
            assert_eq!(zh.matches('{').count(), zh.matches('}').count(), "{k:?}");
        }
        // Chinese texts are Chinese (a few are the same in both, or names of the other language)
        let same = [Key::Area, Key::SwitchLangTitle, Key::SwitchLang];
        for &k in Key::ALL.iter().filter(|k| !same.contains(k)) {
            assert!(
                k.text(Lang::Zh)
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                    || k.text(Lang::Zh) != k.text(Lang::En),
                "{k:?} is not translated"
            );
        }
    }

    #[test]
    fn fill_replaces_named_values_and_keeps_unknown_ones() {
        assert_eq!(fill("{a} and {b}", &[("a", "x"), ("b", "y")]), "x and y");
        assert_eq!(fill("{a}{a}", &[("a", "1")]), "11");
        assert_eq!(fill("{c} {", &[("a", "1")]), "{c} {");
        assert_eq!(fill("宽 {w} 米", &[("w", "2.00")]), "宽 2.00 米");
    }

    #[test]
    fn lang_parses_zh_and_en_only() {
        assert_eq!(Lang::parse("zh"), Ok(Lang::Zh));
        assert_eq!(Lang::parse("en"), Ok(Lang::En));
        assert!(Lang::parse("fr").expect_err("fr").contains("zh or en"));
        assert!(Lang::parse("").is_err());
        assert_eq!(Lang::Zh.other(), Lang::En);
    }

    #[test]
    fn lists_name_four_grids_then_count_the_rest() {
        assert_eq!(list(Lang::En, &["1", "2"], Key::ListOr), "grid 1 or grid 2");
        assert_eq!(
            list(Lang::En, &["1", "2", "3"], Key::ListAnd),
            "grid 1, grid 2 and grid 3"
        );
        assert_eq!(
            list(Lang::En, &["1", "2", "3", "4", "5", "6"], Key::ListOr),
            "grid 1, grid 2, grid 3, grid 4 or 2 more"
        );
        assert_eq!(
            list(Lang::Zh, &["1", "2", "3"], Key::ListOr),
            "网格 1、网格 2 或 网格 3"
        );
    }
}
