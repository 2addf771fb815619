//! Who may do what, where: roles held over a scope of the grid tree, and the one
//! function ([`authorize`]) that decides every action on every resource. Every
//! route, list filter and write goes through it (see `http/access.rs` for the route
//! table and `App` for the grids a write touches).
//!
//! Roles are those of the product (`../shared/DESIGN.md`, standard 4.4 and 10): a
//! user may hold several, each over its own scope. Everybody — signed in or not —
//! also holds [`Role::Public`] over everything: published grid information.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::grid::{GridId, SubdistrictId};

/// A role of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 街道管理员: everything within the scope, accounts included.
    SubdistrictAdmin,
    /// 网格办规划员: draws, edits, imports and renumbers grids.
    Planner,
    /// 指挥中心操作员: tracks, dispatches and closes cases.
    Operator,
    /// 网格员: works in their grids and everything below them.
    GridWorker,
    /// 职能部门: handles the cases dispatched to it.
    Department,
    /// 考核员: reads everything, writes nothing; personal data masked.
    Auditor,
    /// 公众: published grid information and Open311 intake.
    Public,
}

impl Role {
    /// Every role, in the order the product lists them.
    pub const ALL: [Role; 7] = [
        Role::SubdistrictAdmin,
        Role::Planner,
        Role::Operator,
        Role::GridWorker,
        Role::Department,
        Role::Auditor,
        Role::Public,
    ];

    /// The name stored and sent (`subdistrict_admin`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SubdistrictAdmin => "subdistrict_admin",
            Role::Planner => "planner",
            Role::Operator => "operator",
            Role::GridWorker => "grid_worker",
            Role::Department => "department",
            Role::Auditor => "auditor",
            Role::Public => "public",
        }
    }

    /// The role's Chinese name, as users know it.
    pub fn title_zh(self) -> &'static str {
        match self {
            Role::SubdistrictAdmin => "街道管理员",
            Role::Planner => "网格规划员",
            Role::Operator => "指挥中心操作员",
            Role::GridWorker => "网格员",
            Role::Department => "职能部门",
            Role::Auditor => "考核员",
            Role::Public => "公众",
        }
    }

    /// What the role may do (within its scope). The one table of permissions.
    pub fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Role::SubdistrictAdmin => &Action::ALL,
            Role::Planner => &[
                ReadPublished,
                Lookup,
                ReadCoverage,
                ReadCodeHistory,
                EditGrids,
                ImportGrids,
            ],
            Role::Operator => &[
                ReadPublished,
                Lookup,
                ReadCoverage,
                ReportCase,
                ReadCases,
                ReadReporter,
                DispatchCase,
                HandleCase,
                VerifyCase,
                ReadCaseStats,
                ReadPatrols,
                ReadHouseholdStats,
            ],
            Role::GridWorker => &[
                ReadPublished,
                Lookup,
                ReportCase,
                ReadCases,
                HandleCase,
                VerifyCase,
                ReadCaseStats,
                RecordTrack,
                ReadPatrols,
                ReadHouseholds,
                RecordVisit,
                ReadHouseholdStats,
            ],
            Role::Department => &[
                ReadPublished,
                Lookup,
                ReportCase,
                ReadCases,
                HandleCase,
                ReadCaseStats,
            ],
            Role::Auditor => &[
                ReadPublished,
                Lookup,
                ReadCoverage,
                ReadCodeHistory,
                ReadAuditLog,
                ReadCases,
                ReadCaseStats,
                ReadPatrols,
                ReadHouseholdStats,
            ],
            Role::Public => &[ReadPublished, Lookup, ReportCase],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role {s:?}; one of {}",
                    Role::ALL.map(Role::as_str).join(", ")
                )
            })
    }
}

/// Where a role applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every subdistrict.
    All,
    /// One subdistrict and every grid in it.
    Subdistrict(SubdistrictId),
    /// One grid and everything below it.
    Grid(GridId),
}

impl Scope {
    /// Whether this scope contains the resource.
    pub fn covers(self, r: &Resource<'_>) -> bool {
        match (self, r) {
            (Scope::All, _) => true,
            (Scope::Subdistrict(s), Resource::Subdistrict(t)) => s == *t,
            (Scope::Subdistrict(s), Resource::Grid { subdistrict, .. }) => s == *subdistrict,
            (Scope::Grid(g), Resource::Grid { path, .. }) => path.contains(&g),
            _ => false,
        }
    }

    /// `all`, `subdistrict:3`, `grid:42`: how a scope is written on the command line.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("scope must be all, subdistrict:<id> or grid:<id>, got {s:?}");
        if s == "all" {
            return Ok(Scope::All);
        }
        let (kind, id) = s.split_once(':').ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        match kind {
            "subdistrict" => Ok(Scope::Subdistrict(id)),
            "grid" => Ok(Scope::Grid(id)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::All => f.write_str("all"),
            Scope::Subdistrict(s) => write!(f, "subdistrict:{s}"),
            Scope::Grid(g) => write!(f, "grid:{g}"),
        }
    }
}

/// A role over a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// Where it applies.
    pub scope: Scope,
}

impl Grant {
    /// `planner@subdistrict:1`, `auditor` (= everywhere): how a grant is written.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (role, scope) = match s.split_once('@') {
            Some((r, sc)) => (r, Scope::parse(sc)?),
            None => (s, Scope::All),
        };
        Ok(Grant {
            role: role.parse()?,
            scope,
        })
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.role, self.scope)
    }
}

/// Something a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read published grid information: the tree, grids, tiles, reference layers.
    ReadPublished,
    /// Place points in grids.
    Lookup,
    /// Read the coverage audit and preview edits against it.
    ReadCoverage,
    /// Read a grid's code history.
    ReadCodeHistory,
    /// Create, change, split, merge, renumber and delete grids.
    EditGrids,
    /// Import grids and reference layers.
    ImportGrids,
    /// Read the audit log (every write and sign-in).
    ReadAuditLog,
    /// See personal data (households, reporters) unmasked.
    ReadPersonal,
    /// Add, disable and grant accounts; issue and revoke tokens.
    ManageAccounts,
    /// Report a case (信息收集): signed-in callers only, Open311 through an API key.
    ReportCase,
    /// Read cases and their history (reporters' contacts masked).
    ReadCases,
    /// See a case reporter's contact unmasked.
    ReadReporter,
    /// The command center's steps: file, refuse, merge, dispatch, escalate, defer,
    /// resume, explain and file, evaluate.
    DispatchCase,
    /// A responsible unit's steps: accept, report the result.
    HandleCase,
    /// Verify a result on site (核查): close or send back.
    VerifyCase,
    /// Read the evaluation of case handling (综合评价).
    ReadCaseStats,
    /// Edit case categories, units and the business calendar.
    ManageCaseSetup,
    /// Record one's own patrol track (GPS fixes) and read it back.
    RecordTrack,
    /// Record and read other workers' tracks (fixes that lie in the scope).
    ManageTracks,
    /// Read patrols, the weekly patrol audit (11.2.1) and patrol coverage of grids.
    ReadPatrols,
    /// Read households, their people and visits (personal data; ID numbers masked).
    ReadHouseholds,
    /// Import and edit households and their people.
    ManageHouseholds,
    /// Record a household visit (走访).
    RecordVisit,
    /// Read visit compliance, collection and team figures (counts, no personal data).
    ReadHouseholdStats,
    /// Edit staff and each grid's team (10.2).
    ManageTeams,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 25] = [
        Action::ReadPublished,
        Action::Lookup,
        Action::ReadCoverage,
        Action::ReadCodeHistory,
        Action::EditGrids,
        Action::ImportGrids,
        Action::ReadAuditLog,
        Action::ReadPersonal,
        Action::ManageAccounts,
        Action::ReportCase,
        Action::ReadCases,
        Action::ReadReporter,
        Action::DispatchCase,
        Action::HandleCase,
        Action::VerifyCase,
        Action::ReadCaseStats,
        Action::ManageCaseSetup,
        Action::RecordTrack,
        Action::ManageTracks,
        Action::ReadPatrols,
        Action::ReadHouseholds,
        Action::ManageHouseholds,
        Action::RecordVisit,
        Action::ReadHouseholdStats,
        Action::ManageTeams,
    ];

    /// Its name in the API (`/auth/me`'s `actions`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ReadPublished => "read_published",
            Action::Lookup => "lookup",
            Action::ReadCoverage => "read_coverage",
            Action::ReadCodeHistory => "read_code_history",
            Action::EditGrids => "edit_grids",
            Action::ImportGrids => "import_grids",
            Action::ReadAuditLog => "read_audit_log",
            Action::ReadPersonal => "read_personal",
            Action::ManageAccounts => "manage_accounts",
            Action::ReportCase => "report_case",
            Action::ReadCases => "read_cases",
            Action::ReadReporter => "read_reporter",
            Action::DispatchCase => "dispatch_case",
            Action::HandleCase => "handle_case",
            Action::VerifyCase => "verify_case",
            Action::ReadCaseStats => "read_case_stats",
            Action::ManageCaseSetup => "manage_case_setup",
            Action::RecordTrack => "record_track",
            Action::ManageTracks => "manage_tracks",
            Action::ReadPatrols => "read_patrols",
            Action::ReadHouseholds => "read_households",
            Action::ManageHouseholds => "manage_households",
            Action::RecordVisit => "record_visit",
            Action::ReadHouseholdStats => "read_household_stats",
            Action::ManageTeams => "manage_teams",
        }
    }

    /// Whether the action changes anything (refused to read-only roles whatever the table says).
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::EditGrids
                | Action::ImportGrids
                | Action::ManageAccounts
                | Action::ReportCase
                | Action::DispatchCase
                | Action::HandleCase
                | Action::VerifyCase
                | Action::ManageCaseSetup
                | Action::RecordTrack
                | Action::ManageTracks
                | Action::ManageHouseholds
                | Action::RecordVisit
                | Action::ManageTeams
        )
    }

    /// Whether only a signed-in caller may take it, even where the public role
    /// would allow it (reporting a case needs an account or an API key).
    pub fn needs_account(self) -> bool {
        matches!(self, Action::ReportCase)
    }
}

/// What an action is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// Nothing in particular, or everything (a list across subdistricts, the audit
    /// log, the accounts): only a scope over everything covers it — except for
    /// reads of published information, which every scope may make.
    Everything,
    /// A subdistrict.
    Subdistrict(SubdistrictId),
    /// A grid: its subdistrict and its path, from itself up to its L1 ancestor.
    Grid {
        /// Its subdistrict.
        subdistrict: SubdistrictId,
        /// The grid, then its parent, … up to the root.
        path: &'a [GridId],
    },
}

/// The caller as authorization sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Their account, `None` for an anonymous caller.
    pub user_id: Option<i64>,
    /// Their account's name (`anonymous` when signed out); the audit log's "who".
    pub name: String,
    /// What they hold, besides [`Role::Public`] over everything.
    pub grants: Vec<Grant>,
}

impl Principal {
    /// The same caller without the grants of `role`: e.g. what a grid worker who
    /// is also an operator may see of *other* workers' tracks (their operator's
    /// scope, not their own grids).
    pub fn without(&self, role: Role) -> Self {
        Self {
            grants: self
                .grants
                .iter()
                .copied()
                .filter(|g| g.role != role)
                .collect(),
            ..self.clone()
        }
    }

    /// Somebody not signed in.
    pub fn anonymous() -> Self {
        Self {
            user_id: None,
            name: "anonymous".into(),
            grants: Vec::new(),
        }
    }

    /// A program acting with every right (the command line, the demo loader).
    pub fn system(name: &str) -> Self {
        Self {
            user_id: None,
            name: name.into(),
            grants: vec![Grant {
                role: Role::SubdistrictAdmin,
                scope: Scope::All,
            }],
        }
    }

    /// Whether the caller is signed in.
    pub fn is_signed_in(&self) -> bool {
        self.user_id.is_some()
    }

    fn all_grants(&self) -> impl Iterator<Item = Grant> + '_ {
        self.grants.iter().copied().chain(std::iter::once(Grant {
            role: Role::Public,
            scope: Scope::All,
        }))
    }

    /// Whether the caller may take the action somewhere (what a route checks before
    /// its handler reads the body that names where).
    pub fn may_somewhere(&self, action: Action) -> bool {
        if action.needs_account() && !self.is_signed_in() && self.grants.is_empty() {
            return false;
        }
        let auditor = self.grants.iter().any(|g| g.role == Role::Auditor);
        self.all_grants().any(|g| {
            g.role.actions().contains(&action)
                && !(action.writes()
                    && (g.role == Role::Auditor || (auditor && g.role == Role::Public)))
        })
    }

    /// The actions the caller may take somewhere, in [`Action::ALL`] order.
    pub fn actions(&self) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| self.may_somewhere(*a))
            .collect()
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// Nobody is signed in and the public may not do it: sign in.
    SignIn,
    /// The caller's roles do not include the action at all.
    Role(Action),
    /// They do, but not over this resource.
    Scope(Action),
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denied::SignIn => f.write_str("sign in first (this needs an account)"),
            Denied::Role(a) => write!(f, "none of your roles may {}", action_text(*a)),
            Denied::Scope(a) => write!(
                f,
                "your roles may {} only within their own grids or subdistricts, and this is outside them",
                action_text(*a)
            ),
        }
    }
}

/// A denial as the caller is told it: 401 when signing in could help, else 403.
impl From<Denied> for crate::error::Error {
    fn from(d: Denied) -> Self {
        match d {
            Denied::SignIn => Self::Unauthenticated(d.to_string()),
            d => Self::Forbidden(d.to_string()),
        }
    }
}

fn action_text(a: Action) -> &'static str {
    match a {
        Action::ReadPublished => "read grid information",
        Action::Lookup => "place points in grids",
        Action::ReadCoverage => "read the coverage audit",
        Action::ReadCodeHistory => "read code history",
        Action::EditGrids => "edit grids",
        Action::ImportGrids => "import grids",
        Action::ReadAuditLog => "read the audit log",
        Action::ReadPersonal => "see personal data",
        Action::ManageAccounts => "manage accounts",
        Action::ReportCase => "report cases",
        Action::ReadCases => "read cases",
        Action::ReadReporter => "see reporters' contacts",
        Action::DispatchCase => "file and dispatch cases",
        Action::HandleCase => "handle cases",
        Action::VerifyCase => "verify cases",
        Action::ReadCaseStats => "read case statistics",
        Action::ManageCaseSetup => "edit case categories, units and the calendar",
        Action::RecordTrack => "record patrol tracks",
        Action::ManageTracks => "record and read other workers' tracks",
        Action::ReadPatrols => "read patrols, the weekly patrol audit and patrol coverage",
        Action::ReadHouseholds => "read households and visits",
        Action::ManageHouseholds => "import and edit households",
        Action::RecordVisit => "record household visits",
        Action::ReadHouseholdStats => "read visit compliance and collection figures",
        Action::ManageTeams => "edit staff and grid teams",
    }
}

/// The one decision: may `who` take `action` on `resource`?
///
/// Allowed when one of the caller's grants (or the public grant everybody holds)
/// has a role whose table lists the action and a scope that covers the resource.
/// Reads of published information are allowed on everything to everybody; the
/// auditor never writes.
pub fn authorize(who: &Principal, action: Action, resource: Resource<'_>) -> Result<(), Denied> {
    if action.needs_account() && !who.is_signed_in() && who.grants.is_empty() {
        return Err(Denied::SignIn);
    }
    let mut role_has = false;
    // An auditor never writes, not even through the public role everybody holds.
    let auditor = who.grants.iter().any(|g| g.role == Role::Auditor);
    for g in who.all_grants() {
        if !g.role.actions().contains(&action) {
            continue;
        }
        if action.writes() && (g.role == Role::Auditor || (auditor && g.role == Role::Public)) {
            continue;
        }
        role_has = true;
        if action == Action::ReadPublished || g.scope.covers(&resource) {
            return Ok(());
        }
    }
    Err(if !who.is_signed_in() && !role_has {
        Denied::SignIn
    } else if role_has {
        Denied::Scope(action)
    } else {
        Denied::Role(action)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn who(grants: &[&str]) -> Principal {
        Principal {
            user_id: Some(1),
            name: "u".into(),
            grants: grants.iter().map(|g| Grant::parse(g).unwrap()).collect(),
        }
    }

    #[test]
    fn grants_parse_and_print_alike() {
        for s in [
            "planner@subdistrict:3",
            "grid_worker@grid:42",
            "auditor@all",
        ] {
            assert_eq!(Grant::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Grant::parse("auditor").unwrap().scope, Scope::All);
        assert!(Grant::parse("boss").unwrap_err().contains("unknown role"));
        assert!(Grant::parse("planner@street:1").is_err());
        assert!(Grant::parse("planner@grid:x").is_err());
    }

    #[test]
    fn a_grid_worker_acts_in_their_grid_and_below_only() {
        let w = who(&["grid_worker@grid:10"]);
        let below = Resource::Grid {
            subdistrict: 1,
            path: &[12, 11, 10],
        };
        let beside = Resource::Grid {
            subdistrict: 1,
            path: &[20, 2],
        };
        let above = Resource::Grid {
            subdistrict: 1,
            path: &[2],
        };
        assert_eq!(authorize(&w, Action::Lookup, below), Ok(()));
        // Published information is everybody's.
        assert_eq!(authorize(&w, Action::ReadPublished, beside), Ok(()));
        assert_eq!(
            authorize(&w, Action::EditGrids, below),
            Err(Denied::Role(Action::EditGrids))
        );
        assert_eq!(
            authorize(&w, Action::ReadPersonal, below),
            Err(Denied::Role(Action::ReadPersonal))
        );
        // The public grant lets anyone look up anywhere; scope matters for what is
        // not public.
        assert_eq!(authorize(&w, Action::Lookup, above), Ok(()));
    }

    #[test]
    fn a_planner_edits_only_in_their_subdistrict() {
        let p = who(&["planner@subdistrict:1"]);
        let mine = Resource::Grid {
            subdistrict: 1,
            path: &[5],
        };
        let theirs = Resource::Grid {
            subdistrict: 2,
            path: &[7],
        };
        assert_eq!(authorize(&p, Action::EditGrids, mine), Ok(()));
        assert_eq!(
            authorize(&p, Action::EditGrids, Resource::Subdistrict(1)),
            Ok(())
        );
        assert_eq!(
            authorize(&p, Action::EditGrids, theirs),
            Err(Denied::Scope(Action::EditGrids))
        );
        assert_eq!(
            authorize(&p, Action::EditGrids, Resource::Everything),
            Err(Denied::Scope(Action::EditGrids))
        );
        assert!(p.may_somewhere(Action::EditGrids));
        assert!(!p.may_somewhere(Action::ReadAuditLog));
    }

    #[test]
    fn the_anonymous_caller_is_told_to_sign_in() {
        let a = Principal::anonymous();
        assert_eq!(
            authorize(&a, Action::ReadPublished, Resource::Everything),
            Ok(())
        );
        assert_eq!(authorize(&a, Action::Lookup, Resource::Everything), Ok(()));
        assert_eq!(
            authorize(&a, Action::EditGrids, Resource::Subdistrict(1)),
            Err(Denied::SignIn)
        );
        assert_eq!(a.actions(), vec![Action::ReadPublished, Action::Lookup]);
    }

    #[test]
    fn an_admin_everywhere_may_do_everything_and_an_auditor_never_writes() {
        let admin = who(&["subdistrict_admin@all"]);
        let auditor = who(&["auditor@all"]);
        for a in Action::ALL {
            assert_eq!(authorize(&admin, a, Resource::Everything), Ok(()), "{a:?}");
            let r = authorize(&auditor, a, Resource::Everything);
            assert_eq!(
                r.is_ok(),
                !a.writes()
                    && !matches!(
                        a,
                        Action::ReadPersonal | Action::ReadReporter | Action::ReadHouseholds
                    ),
                "{a:?}: {r:?}"
            );
        }
        // An admin of one subdistrict does not manage every account.
        let local = who(&["subdistrict_admin@subdistrict:1"]);
        assert!(authorize(&local, Action::ManageAccounts, Resource::Everything).is_err());
        assert!(authorize(&local, Action::ManageAccounts, Resource::Subdistrict(1)).is_ok());
    }

    #[test]
    fn several_grants_add_up() {
        let w = who(&["grid_worker@grid:10", "planner@subdistrict:2"]);
        let there = Resource::Grid {
            subdistrict: 2,
            path: &[30],
        };
        let here = Resource::Grid {
            subdistrict: 1,
            path: &[10],
        };
        assert_eq!(authorize(&w, Action::EditGrids, there), Ok(()));
        assert_eq!(
            authorize(&w, Action::EditGrids, here),
            Err(Denied::Scope(Action::EditGrids))
        );
    }
}
