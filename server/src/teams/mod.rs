//! Staff and grid teams (网格人员, issue 14; clause 10, Annex A items 3 and 6):
//! the people who serve in grids, each grid's team with the roles clause 10.2
//! asks per level, what a team misses, the share of subdistrict-office and
//! community staff assigned to grids (10.1: at least 85 %), each level's duties
//! (clause 9, for the published page) and which grids count as published (4.4,
//! Annex A item 6). See `docs/teams.md`.
//!
//! Plain synchronous Rust: no storage, HTTP or runtime types.
//!
//! Personal data: a staff member's phone is shown on public pages only when it is
//! marked public ([`Staff::public_phone`]).

pub mod duties;
pub mod report;
pub mod roles;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::text::check_text;
use crate::error::FieldError;
use crate::households::Phone;

pub use report::{
    GridFacts, Published, Share, TeamProblem, published, published_share, staffing_share,
    team_problems,
};
pub use roles::{Assignment, Role, TeamEntry, check_team, missing_roles, roles_of};

/// A staff member's id.
pub type StaffId = i64;

/// Longest name or unit kept (characters).
pub const MAX_NAME_CHARS: usize = 50;

/// Who employs a staff member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Employer {
    /// 街道办 (the subdistrict office's staff).
    SubdistrictOffice,
    /// 社区 (the community's, or village's, staff).
    Community,
    /// 物业 (a property-management company).
    PropertyCompany,
    /// 垂直管理部门 (a vertically managed department's local office, 10.2.4).
    VerticalDepartment,
    /// 其他 (residents serving as building heads, units in the area, …).
    Other,
}

impl Employer {
    /// Every employer kind.
    pub const ALL: [Employer; 5] = [
        Employer::SubdistrictOffice,
        Employer::Community,
        Employer::PropertyCompany,
        Employer::VerticalDepartment,
        Employer::Other,
    ];

    /// The snake_case code used in JSON and the stores.
    pub fn code(self) -> &'static str {
        match self {
            Employer::SubdistrictOffice => "subdistrict_office",
            Employer::Community => "community",
            Employer::PropertyCompany => "property_company",
            Employer::VerticalDepartment => "vertical_department",
            Employer::Other => "other",
        }
    }

    /// The kind of a code.
    pub fn parse(s: &str) -> Option<Employer> {
        Employer::ALL.into_iter().find(|e| e.code() == s)
    }

    /// The Chinese name.
    pub fn title_zh(self) -> &'static str {
        match self {
            Employer::SubdistrictOffice => "街道办",
            Employer::Community => "社区",
            Employer::PropertyCompany => "物业",
            Employer::VerticalDepartment => "垂直管理部门",
            Employer::Other => "其他",
        }
    }

    /// Whether 10.1's share counts this staff (subdistrict office and community
    /// staff: 机关工作人员及社区（村）工作人员).
    pub fn counts_for_share(self) -> bool {
        matches!(self, Employer::SubdistrictOffice | Employer::Community)
    }
}

/// A staff member as checked: what is stored and shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Its id (0 before it is stored).
    pub id: StaffId,
    /// The subdistrict it serves.
    pub subdistrict_id: i64,
    /// Full name (shown on the published page).
    pub name: String,
    /// Who employs the person.
    pub employer: Employer,
    /// The unit within the employer (科室, 社区, 物业公司, 派出所…), free text.
    pub unit: String,
    /// A contact phone.
    pub phone: Option<Phone>,
    /// Whether the phone may be published (a work phone, by the person's consent).
    pub phone_public: bool,
    /// Still serving; one who left is kept (history) but not counted or shown.
    pub active: bool,
}

impl Staff {
    /// The phone the public may see: only one marked public, of a serving person.
    pub fn public_phone(&self) -> Option<&Phone> {
        if self.phone_public && self.active {
            self.phone.as_ref()
        } else {
            None
        }
    }
}

/// A staff member as given (a create or a whole update).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffDraft {
    /// Full name, 1–50 characters.
    pub name: String,
    /// `subdistrict_office`, `community`, `property_company`,
    /// `vertical_department` or `other`.
    pub employer: String,
    /// The unit within the employer (optional, up to 50 characters).
    #[serde(default)]
    pub unit: Option<String>,
    /// A contact phone (mainland mobile or landline).
    #[serde(default)]
    pub phone: Option<String>,
    /// Whether the phone may be published (default: not).
    #[serde(default)]
    pub phone_public: bool,
    /// Still serving (default: yes).
    #[serde(default)]
    pub active: Option<bool>,
}

fn check_name(field: &str, s: &str, required: bool, errors: &mut Vec<FieldError>) -> String {
    let t = s.trim();
    if required && t.is_empty() {
        errors.push(FieldError::new(field, "must not be empty (不能为空)"));
    } else if t.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            field,
            format!("must be at most {MAX_NAME_CHARS} characters (最多 {MAX_NAME_CHARS} 个字)"),
        ));
    } else if let Err(e) = check_text(field, t, false) {
        errors.push(e);
    }
    t.to_owned()
}

impl StaffDraft {
    /// Checks every field; every bad one is named, with its reason.
    pub fn check(&self, subdistrict_id: i64) -> Result<Staff, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = check_name("name", &self.name, true, &mut errors);
        let unit = check_name(
            "unit",
            self.unit.as_deref().unwrap_or(""),
            false,
            &mut errors,
        );
        let employer = Employer::parse(self.employer.trim());
        if employer.is_none() {
            errors.push(FieldError::new(
                "employer",
                format!(
                    "must be one of {} (街道办, 社区, 物业, 垂直管理部门, 其他), got {:?}",
                    Employer::ALL.map(Employer::code).join(", "),
                    self.employer
                ),
            ));
        }
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => match Phone::parse(p) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(FieldError::new("phone", e.to_string()));
                    None
                }
            },
        };
        if self.phone_public && self.phone.as_deref().is_none_or(|p| p.trim().is_empty()) {
            errors.push(FieldError::new(
                "phone_public",
                "a phone must be given to be published (公开电话须先填写电话)",
            ));
        }
        match employer {
            Some(employer) if errors.is_empty() => Ok(Staff {
                id: 0,
                subdistrict_id,
                name,
                employer,
                unit,
                phone,
                phone_public: self.phone_public,
                active: self.active.unwrap_or(true),
            }),
            _ => Err(errors),
        }
    }
}
