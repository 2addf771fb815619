//! The grid statements in the GeoPackage file (SQLite).

use async_trait::async_trait;
use chrono::Utc;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::GridStatements;
use crate::domain::change::{Actor, CodeChange, CodeHistoryEntry};
use crate::domain::grid::{Grid, GridDraft, GridId, SubdistrictId};
use crate::domain::reference::{Building, Road};
use crate::domain::subdistrict::Subdistrict;
use crate::error::Result;
use crate::store::gpkg::{GpkgTx, from_blob, gpkg_blob};
use crate::store::rows::{self, BuildingRow, GridRow, RoadRow, bad_row, read_columns};

fn grid(r: &SqliteRow) -> Result<Grid> {
    let blob: Vec<u8> = r.try_get("geom")?;
    let id: i64 = r.try_get("id")?;
    let responsible = r
        .try_get::<Option<String>, _>("responsible")?
        .map(|s| serde_json::from_str(&s))
        .transpose()
        .map_err(|e| bad_row("grid", id, format!("responsible is not JSON ({e})")))?;
    read_columns!(r, GridRow {
        id, subdistrict_id, code, name, level, parent_id, kind, households, population,
        version, created_at, updated_at,
    } + {
        geometry: from_blob(&blob),
        responsible,
    })
    .into_grid()
}

/// The `responsible` column value (JSON text): NULL for nobody.
fn responsible(d: &GridDraft) -> Option<String> {
    (!d.responsible.is_empty()).then(|| serde_json::to_string(&d.responsible).unwrap_or_default())
}

/// `NULL` for "all rows", else the ids as a JSON array (read with `json_each`).
fn ids_param(ids: Option<&[i64]>) -> Option<String> {
    ids.map(|v| serde_json::Value::from(v.to_vec()).to_string())
}

#[async_trait]
impl GridStatements for GpkgTx {
    async fn insert_subdistrict(&mut self, s: &Subdistrict) -> Result<Subdistrict> {
        let now = Utc::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO subdistricts (code, name, geom, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING fid",
        )
        .bind(&s.code)
        .bind(&s.name)
        .bind(gpkg_blob(&s.boundary)?)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(Subdistrict { id, ..s.clone() })
    }

    async fn insert_grid(&mut self, sid: SubdistrictId, d: &GridDraft) -> Result<Grid> {
        let row = sqlx::query(include_str!("sql/gpkg_insert_grid.sql"))
            .bind(sid)
            .bind(&d.code)
            .bind(&d.name)
            .bind(i64::from(d.level))
            .bind(d.parent_id)
            .bind(d.kind.as_str())
            .bind(d.households)
            .bind(d.population)
            .bind(gpkg_blob(&d.geometry)?)
            .bind(responsible(d))
            .bind(Utc::now())
            .fetch_one(&mut *self.tx)
            .await?;
        grid(&row)
    }

    async fn grid_for_update(&mut self, sid: SubdistrictId, id: GridId) -> Result<Option<Grid>> {
        sqlx::query(include_str!("sql/gpkg_grid_for_update.sql"))
            .bind(sid)
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?
            .map(|r| grid(&r))
            .transpose()
    }

    async fn set_code(&mut self, sid: SubdistrictId, id: GridId, code: &str) -> Result<()> {
        sqlx::query("UPDATE grids SET code = ? WHERE subdistrict_id = ? AND fid = ?")
            .bind(code)
            .bind(sid)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn rewrite_grid(
        &mut self,
        sid: SubdistrictId,
        id: GridId,
        expected: i64,
        d: &GridDraft,
    ) -> Result<Option<Grid>> {
        sqlx::query(include_str!("sql/gpkg_rewrite_grid.sql"))
            .bind(sid)
            .bind(id)
            .bind(expected)
            .bind(&d.code)
            .bind(&d.name)
            .bind(i64::from(d.level))
            .bind(d.parent_id)
            .bind(d.kind.as_str())
            .bind(d.households)
            .bind(d.population)
            .bind(gpkg_blob(&d.geometry)?)
            .bind(responsible(d))
            .bind(Utc::now())
            .fetch_optional(&mut *self.tx)
            .await?
            .map(|r| grid(&r))
            .transpose()
    }

    async fn delete_grid(&mut self, sid: SubdistrictId, id: GridId) -> Result<()> {
        sqlx::query("DELETE FROM grids WHERE subdistrict_id = ? AND fid = ?")
            .bind(sid)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn child_count(&mut self, sid: SubdistrictId, id: GridId) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM grids WHERE subdistrict_id = ? AND parent_id = ?",
        )
        .bind(sid)
        .bind(id)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn insert_buildings(&mut self, all: &[Building]) -> Result<Vec<i64>> {
        // SQLite inserts in-process: one prepared statement per row is fast here.
        let mut out = Vec::with_capacity(all.len());
        for b in all {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO buildings (subdistrict_id, osm_id, name, usage, levels, households, geom) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING fid",
            )
            .bind(b.subdistrict_id)
            .bind(b.osm_id)
            .bind(&b.name)
            .bind(&*b.usage)
            .bind(b.levels)
            .bind(b.households)
            .bind(gpkg_blob(&b.footprint)?)
            .fetch_one(&mut *self.tx)
            .await?;
            out.push(id);
        }
        Ok(out)
    }

    async fn insert_roads(&mut self, all: &[Road]) -> Result<Vec<i64>> {
        let mut out = Vec::with_capacity(all.len());
        for r in all {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO roads (subdistrict_id, osm_id, name, highway, geom) VALUES (?, ?, ?, ?, ?) RETURNING fid",
            )
            .bind(r.subdistrict_id)
            .bind(r.osm_id)
            .bind(&r.name)
            .bind(&r.highway)
            .bind(gpkg_blob(&r.line)?)
            .fetch_one(&mut *self.tx)
            .await?;
            out.push(id);
        }
        Ok(out)
    }

    async fn insert_code_change(
        &mut self,
        sid: SubdistrictId,
        c: &CodeChange,
        actor: &Actor,
    ) -> Result<()> {
        sqlx::query(include_str!("sql/gpkg_insert_code_change.sql"))
            .bind(sid)
            .bind(c.id)
            .bind(&c.old_code)
            .bind(&c.new_code)
            .bind(actor.name())
            .bind(actor.reason())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn subdistricts(&mut self, ids: Option<&[i64]>) -> Result<Vec<Subdistrict>> {
        let rows = sqlx::query(include_str!("sql/gpkg_subdistricts.sql"))
            .bind(ids_param(ids))
            .fetch(&mut *self.tx);
        rows::map_rows(rows, |r| {
            let blob: Vec<u8> = r.try_get("geom")?;
            rows::subdistrict(
                r.try_get("id")?,
                r.try_get("code")?,
                r.try_get("name")?,
                from_blob(&blob),
            )
        })
        .await
    }

    async fn grids(&mut self, ids: Option<&[i64]>) -> Result<Vec<Grid>> {
        let rows = sqlx::query(include_str!("sql/gpkg_grids.sql"))
            .bind(ids_param(ids))
            .fetch(&mut *self.tx);
        rows::map_rows(rows, grid).await
    }

    async fn buildings(&mut self, ids: Option<&[i64]>) -> Result<Vec<Building>> {
        let rows = sqlx::query(include_str!("sql/gpkg_buildings.sql"))
            .bind(ids_param(ids))
            .fetch(&mut *self.tx);
        rows::map_rows(rows, |r| {
            let blob: Vec<u8> = r.try_get("geom")?;
            read_columns!(r, BuildingRow {
                id, subdistrict_id, osm_id, name, usage, levels, households,
            } + {
                footprint: from_blob(&blob),
            })
            .into_building()
        })
        .await
    }

    async fn roads(&mut self, ids: Option<&[i64]>) -> Result<Vec<Road>> {
        let rows = sqlx::query(include_str!("sql/gpkg_roads.sql"))
            .bind(ids_param(ids))
            .fetch(&mut *self.tx);
        rows::map_rows(rows, |r| {
            let blob: Vec<u8> = r.try_get("geom")?;
            read_columns!(r, RoadRow { id, subdistrict_id, osm_id, name, highway } + {
                line: from_blob(&blob),
            })
            .into_road()
        })
        .await
    }

    async fn code_history(
        &mut self,
        sid: SubdistrictId,
        grid: GridId,
    ) -> Result<Vec<CodeHistoryEntry>> {
        let rows = sqlx::query(include_str!("sql/gpkg_code_history.sql"))
            .bind(sid)
            .bind(grid)
            .fetch(&mut *self.tx);
        rows::map_rows(rows, rows::code_history).await
    }

    async fn subdistrict_count(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM subdistricts")
            .fetch_one(&mut *self.tx)
            .await?)
    }
}
