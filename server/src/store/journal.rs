//! What every write transaction ends with, whatever the capability: audit rows
//! (who, what, before and after, why) and one numbered row in the change log (what
//! other instances follow, see `crate::follow`). Each backend implements these
//! statements once; the capabilities' transaction bodies call them.

use async_trait::async_trait;

use crate::domain::change::{Actor, ChangeRecord, ChangedIds};
use crate::domain::grid::SubdistrictId;
use crate::error::Result;

/// One audit row.
#[derive(Debug)]
pub(crate) struct AuditEntry<'a> {
    /// The subdistrict of the entity.
    pub subdistrict_id: SubdistrictId,
    /// What was done (`create`, `update`, `split`, `import`, …).
    pub action: &'a str,
    /// The kind of entity (`grid`, `batch`, …).
    pub entity: &'a str,
    /// Its id, when it has one.
    pub entity_id: Option<i64>,
    /// Before the write (without its geometry).
    pub before: Option<serde_json::Value>,
    /// After the write (without its geometry).
    pub after: Option<serde_json::Value>,
    /// The entity's geometry before the write, when it has one: stored in a
    /// geometry column beside the JSON, not as GeoJSON text inside it (a large
    /// boundary is megabytes of text to build and parse in the transaction).
    pub before_geom: Option<&'a geo::Geometry>,
    /// Its geometry after the write.
    pub after_geom: Option<&'a geo::Geometry>,
}

/// The statements of a write transaction that every capability shares.
#[async_trait]
pub(crate) trait Journal: Send + Sized {
    /// Appends an audit row signed by `actor`.
    async fn audit(&mut self, actor: &Actor, entry: AuditEntry<'_>) -> Result<()>;
    /// Appends the change log's row for this transaction and answers its number.
    /// Called last before [`Journal::commit`]: numbers grow in commit order.
    async fn log_change(
        &mut self,
        origin: &str,
        subdistrict: SubdistrictId,
        ids: &ChangedIds,
    ) -> Result<i64>;
    /// The change log after `seq`, oldest first.
    async fn changes_since(&mut self, seq: i64) -> Result<Vec<ChangeRecord>>;
    /// The newest change number (0 when none).
    async fn last_seq(&mut self) -> Result<i64>;
    /// Commits.
    async fn commit(self) -> Result<()>;
}
