//! The roles of a grid team (10.2) per level, and the check of a whole team.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Staff, StaffId};
use crate::error::FieldError;

/// Most members one team may list.
pub const MAX_MEMBERS: usize = 200;

/// A role in a grid team.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 街道领导 (L1, 10.2.1).
    SubdistrictLeader,
    /// 科室负责人 (L1, 10.2.1).
    SectionHead,
    /// 社区（村）书记 (L1, 10.2.1).
    PartySecretary,
    /// 社区（村）两委成员: a member of the party organisation or of the
    /// residents' committee (L2, 10.2.2).
    CommitteeMember,
    /// 街道工作人员 (L2 and L3, 10.2.2, 10.2.3).
    SubdistrictWorker,
    /// 社区（村）工作人员 (L2, 10.2.2).
    CommunityWorker,
    /// 楼栋长, or 村民小组长 or 驻区单位负责人 (L3, 10.2.3).
    BuildingHead,
    /// 物业管理（或后勤）人员 (L3, 10.2.3).
    PropertyWorker,
    /// 垂直管理部门派驻人员: staff of a vertically managed department who join
    /// a grid (10.2.4); any of levels 1–3, never required.
    DepartmentMember,
}

/// The roles 10.2 requires of a level's team (levels 4 and 5: none).
pub fn roles_of(level: u8) -> &'static [Role] {
    use Role::*;
    match level {
        1 => &[SubdistrictLeader, SectionHead, PartySecretary],
        2 => &[CommitteeMember, SubdistrictWorker, CommunityWorker],
        3 => &[BuildingHead, SubdistrictWorker, PropertyWorker],
        _ => &[],
    }
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 9] = [
        Role::SubdistrictLeader,
        Role::SectionHead,
        Role::PartySecretary,
        Role::CommitteeMember,
        Role::SubdistrictWorker,
        Role::CommunityWorker,
        Role::BuildingHead,
        Role::PropertyWorker,
        Role::DepartmentMember,
    ];

    /// The snake_case code of JSON and the stores.
    pub fn code(self) -> &'static str {
        match self {
            Role::SubdistrictLeader => "subdistrict_leader",
            Role::SectionHead => "section_head",
            Role::PartySecretary => "party_secretary",
            Role::CommitteeMember => "committee_member",
            Role::SubdistrictWorker => "subdistrict_worker",
            Role::CommunityWorker => "community_worker",
            Role::BuildingHead => "building_head",
            Role::PropertyWorker => "property_worker",
            Role::DepartmentMember => "department_member",
        }
    }

    /// The role of a code.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    /// The Chinese name, as the standard says it.
    pub fn title_zh(self) -> &'static str {
        match self {
            Role::SubdistrictLeader => "街道领导",
            Role::SectionHead => "科室负责人",
            Role::PartySecretary => "社区书记",
            Role::CommitteeMember => "社区两委成员",
            Role::SubdistrictWorker => "街道工作人员",
            Role::CommunityWorker => "社区工作者",
            Role::BuildingHead => "楼栋长",
            Role::PropertyWorker => "物业人员",
            Role::DepartmentMember => "垂直管理部门派驻人员",
        }
    }

    /// Whether a grid of `level` may have the role.
    pub fn belongs_to(self, level: u8) -> bool {
        roles_of(level).contains(&self)
            || (self == Role::DepartmentMember && (1..=3).contains(&level))
    }

    /// `街道领导 (subdistrict_leader)`.
    pub fn named(self) -> String {
        format!("{} ({})", self.title_zh(), self.code())
    }
}

/// One member of a team as given.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamEntry {
    /// The staff member.
    pub staff_id: StaffId,
    /// The role's code (`subdistrict_leader`, `building_head`, …).
    pub role: String,
}

/// A staff member in a role of a grid's team (checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
pub struct Assignment {
    /// The staff member.
    pub staff_id: StaffId,
    /// The role.
    pub role: Role,
}

/// Checks a grid's whole team: every role must be one of the grid's level
/// (10.2; a department member's at levels 1–3), every person known, of the
/// grid's subdistrict and serving, and nobody twice in one role. Every bad
/// entry is named (`members[i].role`, `members[i].staff_id`, `members[i]`) with
/// its reason. A person may hold several roles, and serve in several grids.
pub fn check_team<'s>(
    level: u8,
    subdistrict_id: i64,
    entries: &[TeamEntry],
    staff: impl Fn(StaffId) -> Option<&'s Staff>,
) -> Result<Vec<Assignment>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if entries.len() > MAX_MEMBERS {
        return Err(vec![FieldError::new(
            "members",
            format!("at most {MAX_MEMBERS} members, got {}", entries.len()),
        )]);
    }
    let allowed = || {
        let mut r: Vec<String> = roles_of(level).iter().map(|r| r.named()).collect();
        if (1..=3).contains(&level) {
            r.push(Role::DepartmentMember.named());
        }
        r.join(", ")
    };
    let mut seen: HashMap<(StaffId, Role), usize> = HashMap::new();
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let at = format!("members[{i}]");
        let role = match Role::parse(e.role.trim()) {
            None => {
                errors.push(FieldError::new(
                    format!("{at}.role"),
                    format!(
                        "unknown role {:?} (未知角色); level {level} takes {}",
                        e.role,
                        allowed()
                    ),
                ));
                None
            }
            Some(r) if !r.belongs_to(level) => {
                errors.push(FieldError::new(
                    format!("{at}.role"),
                    if (1..=3).contains(&level) {
                        format!(
                            "{} is not a role of a level-{level} grid ({}不属于{}级网格的角色); level {level} takes {}",
                            r.named(),
                            r.title_zh(),
                            zh_level(level),
                            allowed()
                        )
                    } else {
                        format!(
                            "a level-{level} grid has no team roles: 10.2 names levels 1–3 ({}级网格无团队角色)",
                            zh_level(level)
                        )
                    },
                ));
                None
            }
            Some(r) => Some(r),
        };
        let person = staff(e.staff_id);
        match person {
            None => errors.push(FieldError::new(
                format!("{at}.staff_id"),
                format!("no staff member {} (无此人员)", e.staff_id),
            )),
            Some(p) if p.subdistrict_id != subdistrict_id => errors.push(FieldError::new(
                format!("{at}.staff_id"),
                format!(
                    "staff member {} serves another subdistrict (非本街道人员)",
                    e.staff_id
                ),
            )),
            Some(p) if !p.active => errors.push(FieldError::new(
                format!("{at}.staff_id"),
                format!("staff member {} no longer serves (已离岗)", e.staff_id),
            )),
            Some(_) => {}
        }
        if let Some(role) = role {
            if let Some(first) = seen.get(&(e.staff_id, role)) {
                errors.push(FieldError::new(
                    at.clone(),
                    format!(
                        "staff member {} is in role {} twice, also at members[{first}] (同一人员重复担任同一角色)",
                        e.staff_id,
                        role.named()
                    ),
                ));
            } else {
                seen.insert((e.staff_id, role), i);
                out.push(Assignment {
                    staff_id: e.staff_id,
                    role,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The roles 10.2 requires of the level that no serving member holds, in the
/// standard's order.
pub fn missing_roles<'s>(
    level: u8,
    team: &[Assignment],
    staff: impl Fn(StaffId) -> Option<&'s Staff>,
) -> Vec<Role> {
    roles_of(level)
        .iter()
        .copied()
        .filter(|r| {
            !team
                .iter()
                .any(|a| a.role == *r && staff(a.staff_id).is_some_and(|s| s.active))
        })
        .collect()
}

/// 一, 二, 三, 四, 五.
pub fn zh_level(level: u8) -> &'static str {
    match level {
        1 => "一",
        2 => "二",
        3 => "三",
        4 => "四",
        5 => "五",
        _ => "?",
    }
}
