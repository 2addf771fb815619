//! The grid statements in PostgreSQL + PostGIS.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::GridStatements;
use crate::domain::change::{Actor, CodeChange, CodeHistoryEntry};
use crate::domain::grid::{Grid, GridDraft, GridId, SubdistrictId};
use crate::domain::reference::{Building, Road};
use crate::domain::subdistrict::Subdistrict;
use crate::error::Result;
use crate::store::postgis::PgTx;
use crate::store::rows::{self, BuildingRow, GridRow, RoadRow, read_columns};
use crate::store::{ewkb, geom_from_wkb};

/// Rows per multi-row INSERT in big imports.
const BULK_ROWS: usize = 10_000;

fn grid(r: &PgRow) -> Result<Grid> {
    let wkb: Vec<u8> = r.try_get("geom")?;
    let level: i16 = r.try_get("level")?;
    read_columns!(r, GridRow {
        id, subdistrict_id, code, name, parent_id, kind, households, population,
        responsible, version, created_at, updated_at,
    } + {
        level: i64::from(level),
        geometry: geom_from_wkb(&wkb),
    })
    .into_grid()
}

/// The `responsible` column value: NULL for nobody.
fn responsible(d: &GridDraft) -> Option<serde_json::Value> {
    (!d.responsible.is_empty()).then(|| serde_json::to_value(&d.responsible).unwrap_or_default())
}

/// `None` for "all rows", else the ids.
fn ids_param(ids: Option<&[i64]>) -> Option<Vec<i64>> {
    ids.map(<[i64]>::to_vec)
}

#[async_trait]
impl GridStatements for PgTx {
    async fn insert_subdistrict(&mut self, s: &Subdistrict) -> Result<Subdistrict> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO subdistrict (code, name, boundary) VALUES ($1, $2, ST_GeomFromEWKB($3)) RETURNING id",
        )
        .bind(&s.code)
        .bind(&s.name)
        .bind(ewkb(&s.boundary)?)
        .fetch_one(self.conn())
        .await?;
        Ok(Subdistrict { id, ..s.clone() })
    }

    async fn insert_grid(&mut self, sid: SubdistrictId, d: &GridDraft) -> Result<Grid> {
        let row = sqlx::query(include_str!("sql/postgis_insert_grid.sql"))
            .bind(sid)
            .bind(&d.code)
            .bind(&d.name)
            .bind(i16::from(d.level))
            .bind(d.parent_id)
            .bind(d.kind.as_str())
            .bind(d.households)
            .bind(d.population)
            .bind(ewkb(&d.geometry)?)
            .bind(responsible(d))
            .fetch_one(self.conn())
            .await?;
        grid(&row)
    }

    async fn grid_for_update(&mut self, sid: SubdistrictId, id: GridId) -> Result<Option<Grid>> {
        sqlx::query(include_str!("sql/postgis_grid_for_update.sql"))
            .bind(sid)
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .map(|r| grid(&r))
            .transpose()
    }

    async fn set_code(&mut self, sid: SubdistrictId, id: GridId, code: &str) -> Result<()> {
        sqlx::query("UPDATE grid SET code = $3 WHERE subdistrict_id = $1 AND id = $2")
            .bind(sid)
            .bind(id)
            .bind(code)
            .execute(self.conn())
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
        sqlx::query(include_str!("sql/postgis_rewrite_grid.sql"))
            .bind(sid)
            .bind(id)
            .bind(expected)
            .bind(&d.code)
            .bind(&d.name)
            .bind(i16::from(d.level))
            .bind(d.parent_id)
            .bind(d.kind.as_str())
            .bind(d.households)
            .bind(d.population)
            .bind(ewkb(&d.geometry)?)
            .bind(responsible(d))
            .fetch_optional(self.conn())
            .await?
            .map(|r| grid(&r))
            .transpose()
    }

    async fn delete_grid(&mut self, sid: SubdistrictId, id: GridId) -> Result<()> {
        sqlx::query("DELETE FROM grid WHERE subdistrict_id = $1 AND id = $2")
            .bind(sid)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn child_count(&mut self, sid: SubdistrictId, id: GridId) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM grid WHERE subdistrict_id = $1 AND parent_id = $2",
        )
        .bind(sid)
        .bind(id)
        .fetch_one(self.conn())
        .await?)
    }

    async fn insert_buildings(&mut self, all: &[Building]) -> Result<Vec<i64>> {
        let mut out = Vec::with_capacity(all.len());
        for chunk in all.chunks(BULK_ROWS) {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT nextval(pg_get_serial_sequence('building', 'id')) FROM generate_series(1, $1)",
            )
            .bind(chunk.len() as i64)
            .fetch_all(self.conn())
            .await?;
            let geoms = chunk
                .iter()
                .map(|b| ewkb(&b.footprint))
                .collect::<Result<Vec<_>>>()?;
            sqlx::query(include_str!("sql/postgis_insert_buildings.sql"))
                .bind(chunk.iter().map(|b| b.subdistrict_id).collect::<Vec<_>>())
                .bind(&ids)
                .bind(chunk.iter().map(|b| b.osm_id).collect::<Vec<_>>())
                .bind(chunk.iter().map(|b| b.name.clone()).collect::<Vec<_>>())
                .bind(chunk.iter().map(|b| &*b.usage).collect::<Vec<&str>>())
                .bind(chunk.iter().map(|b| b.levels).collect::<Vec<_>>())
                .bind(chunk.iter().map(|b| b.households).collect::<Vec<_>>())
                .bind(&geoms)
                .execute(self.conn())
                .await?;
            out.extend(ids);
        }
        Ok(out)
    }

    async fn insert_roads(&mut self, all: &[Road]) -> Result<Vec<i64>> {
        let mut out = Vec::with_capacity(all.len());
        for chunk in all.chunks(BULK_ROWS) {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT nextval(pg_get_serial_sequence('road', 'id')) FROM generate_series(1, $1)",
            )
            .bind(chunk.len() as i64)
            .fetch_all(self.conn())
            .await?;
            let geoms = chunk
                .iter()
                .map(|r| ewkb(&r.line))
                .collect::<Result<Vec<_>>>()?;
            sqlx::query(include_str!("sql/postgis_insert_roads.sql"))
                .bind(chunk.iter().map(|r| r.subdistrict_id).collect::<Vec<_>>())
                .bind(&ids)
                .bind(chunk.iter().map(|r| r.osm_id).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.highway.as_str()).collect::<Vec<_>>())
                .bind(&geoms)
                .execute(self.conn())
                .await?;
            out.extend(ids);
        }
        Ok(out)
    }

    async fn insert_code_change(
        &mut self,
        sid: SubdistrictId,
        c: &CodeChange,
        actor: &Actor,
    ) -> Result<()> {
        sqlx::query(include_str!("sql/postgis_insert_code_change.sql"))
            .bind(sid)
            .bind(c.id)
            .bind(&c.old_code)
            .bind(&c.new_code)
            .bind(actor.name())
            .bind(actor.reason())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn subdistricts(&mut self, ids: Option<&[i64]>) -> Result<Vec<Subdistrict>> {
        let rows = sqlx::query(include_str!("sql/postgis_subdistricts.sql"))
            .bind(ids_param(ids))
            .fetch(self.conn());
        rows::map_rows(rows, |r| {
            let wkb: Vec<u8> = r.try_get("geom")?;
            rows::subdistrict(
                r.try_get("id")?,
                r.try_get("code")?,
                r.try_get("name")?,
                geom_from_wkb(&wkb),
            )
        })
        .await
    }

    async fn grids(&mut self, ids: Option<&[i64]>) -> Result<Vec<Grid>> {
        let rows = sqlx::query(include_str!("sql/postgis_grids.sql"))
            .bind(ids_param(ids))
            .fetch(self.conn());
        rows::map_rows(rows, grid).await
    }

    async fn buildings(&mut self, ids: Option<&[i64]>) -> Result<Vec<Building>> {
        let rows = sqlx::query(include_str!("sql/postgis_buildings.sql"))
            .bind(ids_param(ids))
            .fetch(self.conn());
        rows::map_rows(rows, |r| {
            let wkb: Vec<u8> = r.try_get("geom")?;
            read_columns!(r, BuildingRow {
                id, subdistrict_id, osm_id, name, usage, levels, households,
            } + {
                footprint: geom_from_wkb(&wkb),
            })
            .into_building()
        })
        .await
    }

    async fn roads(&mut self, ids: Option<&[i64]>) -> Result<Vec<Road>> {
        let rows = sqlx::query(include_str!("sql/postgis_roads.sql"))
            .bind(ids_param(ids))
            .fetch(self.conn());
        rows::map_rows(rows, |r| {
            let wkb: Vec<u8> = r.try_get("geom")?;
            read_columns!(r, RoadRow { id, subdistrict_id, osm_id, name, highway } + {
                line: geom_from_wkb(&wkb),
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
        let rows = sqlx::query(include_str!("sql/postgis_code_history.sql"))
            .bind(sid)
            .bind(grid)
            .fetch(self.conn());
        rows::map_rows(rows, rows::code_history).await
    }

    async fn subdistrict_count(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM subdistrict")
            .fetch_one(self.conn())
            .await?)
    }
}
