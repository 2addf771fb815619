//! Case categories as data (clause 7's six service domains × the CJ/T 214 classes of
//! components 部件 and events 事件, with minor classes), each with its handling
//! deadline in working hours, default urgency and routing (9.3.1); the units a
//! case is dispatched to; and the proposal of a dispatch. The default set is
//! documented in `docs/cases.md`.

use serde::{Deserialize, Serialize};

use super::{Unit, Urgency, check_text};
use crate::domain::grid::GridId;
use crate::error::FieldError;

/// Component (部件, a physical public object) or event (事件, an occurrence), after
/// CJ/T 214; or a service request of clause 7 that is neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseClass {
    /// 部件: routed to its owner first.
    Component,
    /// 事件: routed to the territory (the grid) first.
    Event,
    /// 服务: a request for a service of clause 7.
    Service,
}

/// The six service domains of clause 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceDomain {
    /// 民生保障
    Livelihood,
    /// 社会化服务
    SocialServices,
    /// 城市管理
    UrbanManagement,
    /// 安全生产
    WorkSafety,
    /// 综治维稳
    PublicOrder,
    /// 党建工作
    PartyBuilding,
}

/// How a category is routed (9.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// 安全隐患: the emergency body (fire, gas, power) AND the L2 grid.
    SafetyHazard,
    /// 城市管理: the urban-management unit AND the L2 grid.
    UrbanManagement,
    /// 综治维稳: 110 / the public-order office AND the L2 grid.
    PublicOrder,
    /// Its department (components: owner first; events: the grid first).
    Department,
}

/// A category of cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Category {
    /// Code, e.g. `BJ-01-02` (部件 公用设施 02), `SJ-05-01` (事件 街面秩序 01).
    pub code: String,
    /// Component, event or service.
    pub class: CaseClass,
    /// Service domain of clause 7.
    pub domain: ServiceDomain,
    /// Major class (大类), e.g. 公用设施.
    pub major: String,
    /// Minor class (小类), e.g. 井盖.
    pub minor: String,
    /// Handling deadline in working hours from filing.
    pub hours: u32,
    /// Default urgency.
    pub urgency: Urgency,
    /// Routing.
    pub route: Route,
    /// The department that handles it (the owner, for components; the emergency
    /// body for safety hazards), a unit code.
    pub department: String,
    /// Whether new reports may use it.
    pub active: bool,
}

impl Category {
    /// `公用设施 / 井盖`: how people name it.
    pub fn name(&self) -> String {
        format!("{} / {}", self.major, self.minor)
    }

    /// Checks a category an admin sends.
    pub fn check(&self, units: &[UnitInfo]) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        let ok_code = !self.code.is_empty()
            && self.code.len() <= 32
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok_code {
            e.push(FieldError::new(
                "code",
                "1 to 32 letters, digits, '-' or '_'",
            ));
        }
        for (f, v) in [("major", &self.major), ("minor", &self.minor)] {
            if v.trim().is_empty() {
                e.push(FieldError::new(f, "must not be empty"));
            }
            check_text(f, v, 50, &mut e);
        }
        if self.hours == 0 || self.hours > 24 * 365 {
            e.push(FieldError::new("hours", "working hours from 1 to 8760"));
        }
        if !units.iter().any(|u| u.code == self.department) {
            e.push(FieldError::new(
                "department",
                format!("no unit with code {:?}", self.department),
            ));
        }
        if e.is_empty() { Ok(()) } else { Err(e) }
    }
}

/// What kind of unit a department is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// A public emergency body (fire brigade, gas company, power company).
    Emergency,
    /// 110 or the public-order office.
    Police,
    /// The command center.
    CommandCenter,
    /// A functional department of the subdistrict (or a vertically managed one).
    Department,
    /// The leading group (领导小组), where failed escalations go.
    LeadingGroup,
}

/// A department a case can be dispatched to, and the accounts that act for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitInfo {
    /// Code, e.g. `emergency`.
    pub code: String,
    /// Name, e.g. 公共应急救援机构（消防、燃气、供电）.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// Accounts (names) that act for it: department accounts see the cases
    /// dispatched to their units.
    #[serde(default)]
    pub members: Vec<String>,
}

impl UnitInfo {
    /// Checks a unit an admin sends.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if self.code.is_empty()
            || self.code.len() > 32
            || !self
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            e.push(FieldError::new(
                "code",
                "1 to 32 lower-case letters, digits or '_'",
            ));
        }
        if self.name.trim().is_empty() {
            e.push(FieldError::new("name", "must not be empty"));
        }
        check_text("name", &self.name, 100, &mut e);
        for (i, m) in self.members.iter().enumerate() {
            if m.is_empty() || m.len() > 64 {
                e.push(FieldError::new(format!("members[{i}]"), "an account name"));
            }
        }
        if e.is_empty() { Ok(()) } else { Err(e) }
    }
}

/// The unit codes the loop itself relies on.
pub mod codes {
    /// The emergency bodies.
    pub const EMERGENCY: &str = "emergency";
    /// 110 / the public-order office.
    pub const PUBLIC_ORDER: &str = "public_order";
    /// Urban management.
    pub const URBAN_MANAGEMENT: &str = "urban_management";
    /// The leading group.
    pub const LEADING_GROUP: &str = "leading_group";
}

/// Units the routing and escalation rules name: an admin may rename them, not remove them.
pub const REQUIRED_UNITS: [&str; 4] = [
    codes::EMERGENCY,
    codes::PUBLIC_ORDER,
    codes::URBAN_MANAGEMENT,
    codes::LEADING_GROUP,
];

/// The units every subdistrict starts with.
pub fn default_units() -> Vec<UnitInfo> {
    use UnitKind::*;
    [
        (
            "emergency",
            "公共应急救援机构（消防、燃气、供电）",
            Emergency,
        ),
        ("public_order", "110 / 综治办", Police),
        ("command_center", "网格化信息指挥中心", CommandCenter),
        ("urban_management", "城市管理中队", Department),
        ("municipal", "市政设施管理所", Department),
        ("lighting", "路灯管理所", Department),
        ("greening", "园林绿化所", Department),
        ("housing", "房管所", Department),
        ("traffic", "交警中队", Department),
        ("civil_affairs", "民政办", Department),
        ("social_services", "社会事务办", Department),
        ("work_safety", "安全生产监督办", Department),
        ("party_building", "党建办", Department),
        (
            "leading_group",
            "网格化社会服务管理工作领导小组",
            LeadingGroup,
        ),
    ]
    .into_iter()
    .map(|(code, name, kind)| UnitInfo {
        code: code.into(),
        name: name.into(),
        kind,
        members: Vec::new(),
    })
    .collect()
}

/// The shipped categories (docs/cases.md lists them with the reasoning).
pub fn default_categories() -> Vec<Category> {
    use CaseClass::*;
    use Route as R;
    use ServiceDomain as D;
    use Urgency::*;
    type Row<'a> = (
        &'a str,
        CaseClass,
        D,
        &'a str,
        &'a str,
        u32,
        Urgency,
        R,
        &'a str,
    );
    let rows: &[Row<'_>] = &[
        // 部件 (CJ/T 214 components): the owner first.
        (
            "BJ-01-01",
            Component,
            D::UrbanManagement,
            "公用设施",
            "井盖破损或缺失",
            8,
            SameDay,
            R::Department,
            "municipal",
        ),
        (
            "BJ-01-02",
            Component,
            D::UrbanManagement,
            "公用设施",
            "供水设施损坏",
            16,
            Normal,
            R::Department,
            "municipal",
        ),
        (
            "BJ-01-03",
            Component,
            D::WorkSafety,
            "公用设施",
            "燃气设施隐患",
            2,
            Immediate,
            R::SafetyHazard,
            "emergency",
        ),
        (
            "BJ-01-04",
            Component,
            D::WorkSafety,
            "公用设施",
            "电力设施隐患",
            2,
            Immediate,
            R::SafetyHazard,
            "emergency",
        ),
        (
            "BJ-02-01",
            Component,
            D::UrbanManagement,
            "道路交通",
            "路灯不亮",
            24,
            Normal,
            R::Department,
            "lighting",
        ),
        (
            "BJ-02-02",
            Component,
            D::UrbanManagement,
            "道路交通",
            "交通标志或信号灯损坏",
            16,
            Normal,
            R::Department,
            "traffic",
        ),
        (
            "BJ-02-03",
            Component,
            D::UrbanManagement,
            "道路交通",
            "道路破损",
            40,
            Normal,
            R::Department,
            "municipal",
        ),
        (
            "BJ-03-01",
            Component,
            D::UrbanManagement,
            "市容环境",
            "垃圾箱损坏",
            24,
            Normal,
            R::Department,
            "urban_management",
        ),
        (
            "BJ-03-02",
            Component,
            D::UrbanManagement,
            "市容环境",
            "公厕设施损坏",
            16,
            Normal,
            R::Department,
            "urban_management",
        ),
        (
            "BJ-04-01",
            Component,
            D::UrbanManagement,
            "园林绿化",
            "树木倒伏或枯死",
            16,
            Normal,
            R::Department,
            "greening",
        ),
        (
            "BJ-04-02",
            Component,
            D::UrbanManagement,
            "园林绿化",
            "绿地护栏损坏",
            40,
            Normal,
            R::Department,
            "greening",
        ),
        (
            "BJ-05-01",
            Component,
            D::WorkSafety,
            "房屋土地",
            "危房隐患",
            8,
            SameDay,
            R::SafetyHazard,
            "emergency",
        ),
        (
            "BJ-05-02",
            Component,
            D::UrbanManagement,
            "房屋土地",
            "公共房屋设施损坏",
            40,
            Normal,
            R::Department,
            "housing",
        ),
        (
            "BJ-06-01",
            Component,
            D::WorkSafety,
            "其他设施",
            "消防设施损坏",
            8,
            SameDay,
            R::SafetyHazard,
            "emergency",
        ),
        (
            "BJ-06-02",
            Component,
            D::UrbanManagement,
            "其他设施",
            "健身设施损坏",
            40,
            Normal,
            R::Department,
            "social_services",
        ),
        // 事件 (CJ/T 214 events): the territory (the grid) first.
        (
            "SJ-01-01",
            Event,
            D::UrbanManagement,
            "市容环境",
            "暴露垃圾",
            8,
            Normal,
            R::UrbanManagement,
            "urban_management",
        ),
        (
            "SJ-01-02",
            Event,
            D::UrbanManagement,
            "市容环境",
            "道路不洁",
            8,
            Normal,
            R::UrbanManagement,
            "urban_management",
        ),
        (
            "SJ-01-03",
            Event,
            D::UrbanManagement,
            "市容环境",
            "私搭乱建",
            40,
            Normal,
            R::UrbanManagement,
            "urban_management",
        ),
        (
            "SJ-02-01",
            Event,
            D::UrbanManagement,
            "宣传广告",
            "非法小广告",
            8,
            Normal,
            R::UrbanManagement,
            "urban_management",
        ),
        (
            "SJ-02-02",
            Event,
            D::UrbanManagement,
            "宣传广告",
            "广告牌匾破损",
            24,
            Normal,
            R::UrbanManagement,
            "urban_management",
        ),
        (
            "SJ-03-01",
            Event,
            D::UrbanManagement,
            "施工管理",
            "施工扰民",
            8,
            SameDay,
            R::UrbanManagement,
            "urban_management",
        ),
        (
            "SJ-03-02",
            Event,
            D::UrbanManagement,
            "施工管理",
            "渣土撒漏",
            8,
            Normal,
            R::UrbanManagement,
            "urban_management",
        ),
        (
            "SJ-04-01",
            Event,
            D::WorkSafety,
            "突发事件",
            "火情",
            1,
            Immediate,
            R::SafetyHazard,
            "emergency",
        ),
        (
            "SJ-04-02",
            Event,
            D::WorkSafety,
            "突发事件",
            "燃气泄漏",
            1,
            Immediate,
            R::SafetyHazard,
            "emergency",
        ),
        (
            "SJ-04-03",
            Event,
            D::UrbanManagement,
            "突发事件",
            "路面积水",
            4,
            Immediate,
            R::UrbanManagement,
            "municipal",
        ),
        (
            "SJ-05-01",
            Event,
            D::UrbanManagement,
            "街面秩序",
            "占道经营",
            8,
            Normal,
            R::UrbanManagement,
            "urban_management",
        ),
        (
            "SJ-05-02",
            Event,
            D::UrbanManagement,
            "街面秩序",
            "违章停车",
            8,
            Normal,
            R::UrbanManagement,
            "traffic",
        ),
        (
            "SJ-05-03",
            Event,
            D::PublicOrder,
            "街面秩序",
            "治安隐患",
            4,
            SameDay,
            R::PublicOrder,
            "public_order",
        ),
        // 服务 (clause 7 service requests).
        (
            "FW-01-01",
            Service,
            D::Livelihood,
            "民生保障",
            "低保与救助求助",
            40,
            Normal,
            R::Department,
            "civil_affairs",
        ),
        (
            "FW-01-02",
            Service,
            D::Livelihood,
            "民生保障",
            "特殊家庭帮扶",
            24,
            Normal,
            R::Department,
            "civil_affairs",
        ),
        (
            "FW-02-01",
            Service,
            D::SocialServices,
            "社会化服务",
            "居家养老服务",
            40,
            Normal,
            R::Department,
            "social_services",
        ),
        (
            "FW-02-02",
            Service,
            D::SocialServices,
            "社会化服务",
            "就业与社保咨询",
            40,
            Normal,
            R::Department,
            "social_services",
        ),
        (
            "FW-04-01",
            Service,
            D::WorkSafety,
            "安全生产",
            "企业安全隐患",
            8,
            SameDay,
            R::SafetyHazard,
            "work_safety",
        ),
        (
            "FW-05-01",
            Service,
            D::PublicOrder,
            "综治维稳",
            "邻里纠纷",
            16,
            Normal,
            R::PublicOrder,
            "public_order",
        ),
        (
            "FW-05-02",
            Service,
            D::PublicOrder,
            "综治维稳",
            "群体性事件苗头",
            2,
            Immediate,
            R::PublicOrder,
            "public_order",
        ),
        (
            "FW-06-01",
            Service,
            D::PartyBuilding,
            "党建工作",
            "党员服务需求",
            40,
            Normal,
            R::Department,
            "party_building",
        ),
    ];
    rows.iter()
        .map(
            |&(code, class, domain, major, minor, hours, urgency, route, department)| Category {
                code: code.into(),
                class,
                domain,
                major: major.into(),
                minor: minor.into(),
                hours,
                urgency,
                route,
                department: department.into(),
                active: true,
            },
        )
        .collect()
}

/// The dispatch the product proposes for a case of this category lying in these
/// grids (L1 first): 9.3.1's "first to … AND to the L2 grid"; components to their
/// owner first, events to the territory first. The operator confirms or changes it.
pub fn propose(category: &Category, grid_path: &[GridId]) -> Vec<Unit> {
    let dept = Unit::Department {
        code: category.department.clone(),
    };
    let l2 = grid_path
        .get(1)
        .or_else(|| grid_path.first())
        .map(|&grid_id| Unit::Grid { grid_id });
    let mut out = Vec::new();
    match (category.route, category.class) {
        // The emergency body, 110 or the urban-management unit first, then the grid.
        (
            Route::SafetyHazard | Route::PublicOrder | Route::UrbanManagement,
            CaseClass::Component,
        )
        | (Route::SafetyHazard | Route::PublicOrder, _)
        | (Route::Department, CaseClass::Component | CaseClass::Service) => {
            out.push(dept);
            out.extend(l2);
        }
        // Events by territory first.
        (Route::UrbanManagement | Route::Department, CaseClass::Event)
        | (Route::UrbanManagement, CaseClass::Service) => {
            out.extend(l2);
            out.push(dept);
        }
    }
    out
}

/// Where an escalation goes next (9.3.1's tree upwards; 11.6.8): at the first
/// escalation the L1 grid joins the units, at the second the leading group.
pub fn escalate_to(level: u8, grid_path: &[GridId]) -> Option<Unit> {
    match level {
        1 => grid_path.first().map(|&grid_id| Unit::Grid { grid_id }),
        _ => Some(Unit::Department {
            code: codes::LEADING_GROUP.into(),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cat(code: &str) -> Category {
        default_categories()
            .into_iter()
            .find(|c| c.code == code)
            .unwrap()
    }

    #[test]
    fn the_default_set_is_consistent() {
        let units = default_units();
        let cats = default_categories();
        let mut codes: Vec<&str> = cats.iter().map(|c| c.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), cats.len(), "codes are unique");
        for c in &cats {
            c.check(&units).unwrap();
        }
        // Every CJ/T 214 major class is there.
        for major in [
            "公用设施",
            "道路交通",
            "市容环境",
            "园林绿化",
            "房屋土地",
            "其他设施",
        ] {
            assert!(
                cats.iter()
                    .any(|c| c.class == CaseClass::Component && c.major == major)
            );
        }
        for major in ["市容环境", "宣传广告", "施工管理", "街面秩序", "突发事件"]
        {
            assert!(
                cats.iter()
                    .any(|c| c.class == CaseClass::Event && c.major == major)
            );
        }
        // And every service domain of clause 7.
        use ServiceDomain::*;
        for d in [
            Livelihood,
            SocialServices,
            UrbanManagement,
            WorkSafety,
            PublicOrder,
            PartyBuilding,
        ] {
            assert!(cats.iter().any(|c| c.domain == d), "{d:?}");
        }
    }

    #[test]
    fn routing_follows_9_3_1() {
        let path = [10, 20, 30];
        let emergency = Unit::Department {
            code: "emergency".into(),
        };
        let l2 = Unit::Grid { grid_id: 20 };
        // A gas leak: the emergency body AND the L2 grid.
        assert_eq!(propose(&cat("SJ-04-02"), &path), [emergency, l2.clone()]);
        // Public order: 110 AND the L2 grid.
        assert_eq!(
            propose(&cat("SJ-05-03"), &path),
            [
                Unit::Department {
                    code: "public_order".into()
                },
                l2.clone()
            ]
        );
        // An event of urban management: the territory first.
        assert_eq!(
            propose(&cat("SJ-01-01"), &path),
            [
                l2.clone(),
                Unit::Department {
                    code: "urban_management".into()
                }
            ]
        );
        // A component: its owner first.
        assert_eq!(
            propose(&cat("BJ-02-01"), &path),
            [
                Unit::Department {
                    code: "lighting".into()
                },
                l2
            ]
        );
        // Outside any L2 grid: the L1 grid stands in.
        assert_eq!(
            propose(&cat("SJ-01-01"), &[10])[0],
            Unit::Grid { grid_id: 10 }
        );
        assert_eq!(escalate_to(1, &path), Some(Unit::Grid { grid_id: 10 }));
        assert_eq!(
            escalate_to(2, &path),
            Some(Unit::Department {
                code: "leading_group".into()
            })
        );
    }

    #[test]
    fn bad_categories_name_the_field() {
        let mut c = cat("SJ-01-01");
        c.code = "bad code".into();
        c.hours = 0;
        c.department = "nobody".into();
        let e = c.check(&default_units()).unwrap_err();
        let f: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(f, ["code", "hours", "department"]);
    }
}
