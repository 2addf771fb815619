//! Staff and grid teams for the HTTP layer (issue 14, `docs/teams.md`): checks
//! rights and rules against the atlas and the stored staff, then writes one
//! transaction; answers the team report, the coverage audit's team problems and
//! the published grid page (网格公示), which carries no personal data beyond the
//! team's names, roles and the phones marked public.

use std::collections::HashMap;
use std::sync::Arc;

use geo::Area;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::access::{Action, Principal, Resource, authorize};
use crate::error::{Error, Result};
use crate::index::Atlas;
use crate::store::teams::TeamStore;
use crate::teams::duties::{self, Duty};
use crate::teams::roles::zh_level;
use crate::teams::{
    Assignment, GridFacts, Role, Share, Staff, StaffDraft, StaffId, TeamEntry, TeamProblem,
    check_team, missing_roles, published, published_share, staffing_share, team_problems,
};

/// A staff member as its managers see it (the phone whole, public or not).
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffOut {
    /// Id.
    pub id: StaffId,
    /// Subdistrict.
    pub subdistrict_id: i64,
    /// Full name.
    pub name: String,
    /// Employer kind (`subdistrict_office`, …).
    #[schema(value_type = crate::teams::Employer)]
    pub employer: crate::teams::Employer,
    /// Employer kind in Chinese (街道办, …).
    pub employer_zh: &'static str,
    /// Unit within the employer.
    pub unit: String,
    /// Contact phone.
    pub phone: Option<String>,
    /// Whether the phone is published.
    pub phone_public: bool,
    /// Still serving.
    pub active: bool,
}

impl From<&Staff> for StaffOut {
    fn from(s: &Staff) -> Self {
        StaffOut {
            id: s.id,
            subdistrict_id: s.subdistrict_id,
            name: s.name.clone(),
            employer: s.employer,
            employer_zh: s.employer.title_zh(),
            unit: s.unit.clone(),
            phone: s.phone.as_ref().map(|p| p.as_str().to_owned()),
            phone_public: s.phone_public,
            active: s.active,
        }
    }
}

/// A team member as staff see it: name, role, employer; the phone only when
/// public.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberOut {
    /// The staff member.
    pub staff_id: StaffId,
    /// Full name.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The role in Chinese (街道领导, …).
    pub role_zh: &'static str,
    /// Employer in Chinese.
    pub employer_zh: &'static str,
    /// Unit within the employer.
    pub unit: String,
    /// The phone, when marked public.
    pub phone: Option<String>,
    /// Still serving.
    pub active: bool,
}

/// A grid's team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamOut {
    /// The grid.
    pub grid_id: i64,
    /// Its code.
    pub code: String,
    /// Its level.
    pub level: u8,
    /// The members, in the order given.
    pub members: Vec<MemberOut>,
    /// The roles 10.2 requires of the level that nobody serving holds.
    pub missing: Vec<Role>,
    /// Whether nothing is missing.
    pub complete: bool,
}

/// The team report of a subdistrict (the grids in the caller's scope).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamReport {
    /// The subdistrict.
    pub subdistrict_id: i64,
    /// Grids of levels 1–3 checked.
    pub grids_checked: usize,
    /// Each grid whose team misses a role (10.2).
    pub problems: Vec<TeamProblem>,
    /// 10.1 / Annex A item 3: serving subdistrict-office and community staff in
    /// at least one grid's team, against 85 %.
    pub staffing: Share,
    /// Annex A item 6: grids published, against 100 %.
    pub published: Share,
}

/// A member on the published page: name, role and a public phone, nothing else.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicMember {
    /// Full name.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The role in Chinese.
    pub role_zh: &'static str,
    /// The phone marked public (none: not published).
    pub phone: Option<String>,
}

/// A grid's published page (网格公示): where it is, what it does and whom to
/// call. No household data, no phone not marked public.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedGrid {
    /// Id.
    pub id: i64,
    /// Subdistrict.
    pub subdistrict_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Level 1–5.
    pub level: u8,
    /// 一级网格, …
    pub level_zh: String,
    /// The parent grid.
    pub parent_id: Option<i64>,
    /// The boundary, GeoJSON EPSG:4326.
    #[schema(value_type = crate::http::schema::AreaGeometry)]
    pub geometry: geojson::Geometry,
    /// The level's duties (clause 9).
    pub duties: &'static [Duty],
    /// The six service domains (clause 7), each `[clause, name]`.
    #[schema(value_type = Vec<Vec<String>>)]
    pub services: [(&'static str, &'static str); 6],
    /// The team serving: names, roles, public phones.
    pub team: Vec<PublicMember>,
    /// Whether the grid counts as published (a boundary and a complete team).
    pub published: bool,
    /// The web app's address of this page, relative to the site.
    pub page: String,
}

/// Annex A item 6: the share of grids published.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedSummary {
    /// The subdistrict (none: every subdistrict).
    pub subdistrict_id: Option<i64>,
    /// Grids published against all grids (target 100 %).
    pub share: Share,
    /// The grids not published yet.
    pub unpublished: Vec<i64>,
}

/// The web app's page of a grid (what the notice's QR code leads to).
pub fn page_path(grid: i64) -> String {
    format!("/#/public/grid/{grid}")
}

/// Facts of the grids of a subdistrict (all when `None`), code order.
fn facts(atlas: &Atlas, subdistrict: Option<i64>) -> Vec<GridFacts<'_>> {
    atlas
        .grids(subdistrict, None, None, None)
        .into_iter()
        .map(|g| GridFacts {
            id: g.grid.id,
            code: &g.grid.draft.code,
            name: &g.grid.draft.name,
            level: g.grid.draft.level,
            has_boundary: g.grid.draft.geometry.unsigned_area() > 0.0,
        })
        .collect()
}

/// The desk.
pub struct TeamDesk {
    store: Arc<dyn TeamStore>,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl TeamDesk {
    /// Over a store.
    pub fn new(store: Arc<dyn TeamStore>) -> Arc<Self> {
        Arc::new(Self { store })
    }

    /// Stores a new staff member of a subdistrict (the guard checked the rights).
    pub async fn create_staff(
        &self,
        atlas: &Atlas,
        subdistrict: i64,
        d: &StaffDraft,
    ) -> Result<StaffOut> {
        if atlas.subdistrict(subdistrict).is_none() {
            return Err(Error::NotFound(format!("subdistrict {subdistrict}")));
        }
        let mut s = d.check(subdistrict).map_err(Error::Invalid)?;
        s.id = self.store.insert_staff(&s, now()).await?;
        Ok(StaffOut::from(&s))
    }

    /// The staff of a subdistrict.
    pub async fn staff(&self, atlas: &Atlas, subdistrict: i64) -> Result<Vec<StaffOut>> {
        if atlas.subdistrict(subdistrict).is_none() {
            return Err(Error::NotFound(format!("subdistrict {subdistrict}")));
        }
        Ok(self
            .store
            .staff(Some(subdistrict))
            .await?
            .iter()
            .map(StaffOut::from)
            .collect())
    }

    /// Replaces a staff member's fields, where the caller may manage teams.
    pub async fn update_staff(
        &self,
        who: &Principal,
        id: StaffId,
        d: &StaffDraft,
    ) -> Result<StaffOut> {
        let old = self
            .store
            .staff_member(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("staff member {id}")))?;
        authorize(
            who,
            Action::ManageTeams,
            Resource::Subdistrict(old.subdistrict_id),
        )
        .map_err(|_| Error::NotFound(format!("staff member {id}")))?;
        let mut s = d.check(old.subdistrict_id).map_err(Error::Invalid)?;
        s.id = id;
        if !self.store.update_staff(&s, now()).await? {
            return Err(Error::NotFound(format!("staff member {id}")));
        }
        Ok(StaffOut::from(&s))
    }

    /// Replaces a grid's whole team: checked as a whole, nothing stored when an
    /// entry is bad (each named).
    pub async fn put_team(
        &self,
        atlas: &Atlas,
        grid: i64,
        entries: &[TeamEntry],
    ) -> Result<TeamOut> {
        let g = atlas
            .grid(grid)
            .ok_or_else(|| Error::NotFound(format!("grid {grid}")))?;
        let sd = g.grid.subdistrict_id;
        let staff = self.staff_map(sd).await?;
        let team = check_team(g.grid.draft.level, sd, entries, |id| staff.get(&id))
            .map_err(Error::Invalid)?;
        self.store.put_team(sd, grid, &team).await?;
        Ok(team_out(atlas, grid, &team, &staff))
    }

    /// A grid's team.
    pub async fn team(&self, atlas: &Atlas, grid: i64) -> Result<TeamOut> {
        let g = atlas
            .grid(grid)
            .ok_or_else(|| Error::NotFound(format!("grid {grid}")))?;
        let staff = self.staff_map(g.grid.subdistrict_id).await?;
        let team = self.store.team(grid).await?;
        Ok(team_out(atlas, grid, &team, &staff))
    }

    async fn staff_map(&self, subdistrict: i64) -> Result<HashMap<StaffId, Staff>> {
        Ok(self
            .store
            .staff(Some(subdistrict))
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect())
    }

    /// The team report of a subdistrict: the problems of the grids in the
    /// caller's scope; the shares over the whole subdistrict.
    pub async fn report(
        &self,
        atlas: &Atlas,
        who: &Principal,
        subdistrict: i64,
    ) -> Result<TeamReport> {
        if atlas.subdistrict(subdistrict).is_none() {
            return Err(Error::NotFound(format!("subdistrict {subdistrict}")));
        }
        let staff_list = self.store.staff(Some(subdistrict)).await?;
        let staff: HashMap<StaffId, &Staff> = staff_list.iter().map(|s| (s.id, s)).collect();
        let teams = self.store.teams(Some(subdistrict)).await?;
        let all = facts(atlas, Some(subdistrict));
        let mine: Vec<GridFacts<'_>> = all
            .iter()
            .filter(|g| (1..=3).contains(&g.level))
            .filter(|g| {
                atlas
                    .authorize_grid(who, Action::ReadHouseholdStats, g.id)
                    .is_some_and(|r| r.is_ok())
            })
            .copied()
            .collect();
        if mine.is_empty() {
            authorize(
                who,
                Action::ReadHouseholdStats,
                Resource::Subdistrict(subdistrict),
            )?;
        }
        let lookup = |id| staff.get(&id).copied();
        Ok(TeamReport {
            subdistrict_id: subdistrict,
            grids_checked: mine.len(),
            problems: team_problems(&mine, &teams, lookup),
            staffing: staffing_share(&staff_list, &all, &teams),
            published: published_share(&all, &teams, lookup).share,
        })
    }

    /// The team problems of a subdistrict for the coverage audit: none at all
    /// while it keeps no staff in gridd (teams not managed here yet).
    pub async fn coverage_problems(
        &self,
        atlas: &Atlas,
        subdistrict: i64,
    ) -> Result<Vec<TeamProblem>> {
        let staff_list = self.store.staff(Some(subdistrict)).await?;
        if staff_list.is_empty() {
            return Ok(Vec::new());
        }
        let staff: HashMap<StaffId, &Staff> = staff_list.iter().map(|s| (s.id, s)).collect();
        let teams = self.store.teams(Some(subdistrict)).await?;
        let grids: Vec<GridFacts<'_>> = facts(atlas, Some(subdistrict))
            .into_iter()
            .filter(|g| (1..=3).contains(&g.level))
            .collect();
        Ok(team_problems(&grids, &teams, |id| staff.get(&id).copied()))
    }

    /// A grid's published page.
    pub async fn published_grid(&self, atlas: &Atlas, grid: i64) -> Result<PublishedGrid> {
        let g = atlas
            .grid(grid)
            .ok_or_else(|| Error::NotFound(format!("grid {grid}")))?;
        let d = &g.grid.draft;
        let staff = self.staff_map(g.grid.subdistrict_id).await?;
        let team = self.store.team(grid).await?;
        let lookup = |id| staff.get(&id);
        let f = GridFacts {
            id: grid,
            code: &d.code,
            name: &d.name,
            level: d.level,
            has_boundary: d.geometry.unsigned_area() > 0.0,
        };
        Ok(PublishedGrid {
            id: grid,
            subdistrict_id: g.grid.subdistrict_id,
            code: d.code.clone(),
            name: d.name.clone(),
            level: d.level,
            level_zh: format!("{}级网格", zh_level(d.level)),
            parent_id: d.parent_id,
            geometry: geojson::Geometry::new((&d.geometry).into()),
            duties: duties::duties_of(d.level),
            services: duties::SERVICES,
            team: team
                .iter()
                .filter_map(|a| {
                    let s = lookup(a.staff_id).filter(|s| s.active)?;
                    Some(PublicMember {
                        name: s.name.clone(),
                        role: a.role,
                        role_zh: a.role.title_zh(),
                        phone: s.public_phone().map(|p| p.as_str().to_owned()),
                    })
                })
                .collect(),
            published: published(&f, &team, lookup),
            page: page_path(grid),
        })
    }

    /// The share of grids published, of a subdistrict or of all.
    pub async fn published_summary(
        &self,
        atlas: &Atlas,
        subdistrict: Option<i64>,
    ) -> Result<PublishedSummary> {
        if let Some(s) = subdistrict
            && atlas.subdistrict(s).is_none()
        {
            return Err(Error::NotFound(format!("subdistrict {s}")));
        }
        let staff: HashMap<StaffId, Staff> = self
            .store
            .staff(subdistrict)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let teams = self.store.teams(subdistrict).await?;
        let p = published_share(&facts(atlas, subdistrict), &teams, |id| staff.get(&id));
        Ok(PublishedSummary {
            subdistrict_id: subdistrict,
            share: p.share,
            unpublished: p.unpublished,
        })
    }
}

fn team_out(
    atlas: &Atlas,
    grid: i64,
    team: &[Assignment],
    staff: &HashMap<StaffId, Staff>,
) -> TeamOut {
    let (code, level) = atlas
        .grid(grid)
        .map(|g| (g.grid.draft.code.clone(), g.grid.draft.level))
        .unwrap_or_default();
    let missing = missing_roles(level, team, |id| staff.get(&id));
    TeamOut {
        grid_id: grid,
        code,
        level,
        members: team
            .iter()
            .filter_map(|a| {
                let s = staff.get(&a.staff_id)?;
                Some(MemberOut {
                    staff_id: s.id,
                    name: s.name.clone(),
                    role: a.role,
                    role_zh: a.role.title_zh(),
                    employer_zh: s.employer.title_zh(),
                    unit: s.unit.clone(),
                    phone: s.public_phone().map(|p| p.as_str().to_owned()),
                    active: s.active,
                })
            })
            .collect(),
        complete: missing.is_empty(),
        missing,
    }
}
