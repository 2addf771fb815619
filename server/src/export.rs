//! Exports: GeoJSON (one layer per file) and GeoPackage (every layer in one file
//! that QGIS and `ogrinfo` open).

use std::path::Path;

use geo::BoundingRect;

use crate::domain::change::{Actor, ImportBatch, ImportGrid, Loaded};
use crate::domain::reference::{Building, Road};
use crate::error::{Error, Result};
use crate::import::Layer;
use crate::store::{GpkgStore, GridStore};

/// A layer of `data` as a GeoJSON FeatureCollection.
pub fn geojson(data: &Loaded, layer: Layer) -> Result<geojson::FeatureCollection> {
    use crate::domain::geometry::feature;
    let features = match layer {
        Layer::Subdistrict => data
            .subdistricts
            .iter()
            .map(|s| {
                feature(
                    s.id,
                    &s.boundary,
                    serde_json::json!({ "id": s.id, "code": s.code, "name": s.name }),
                )
            })
            .collect(),
        Layer::Grids => {
            let code_of: std::collections::HashMap<i64, &str> = data
                .grids
                .iter()
                .map(|g| (g.id, g.draft.code.as_str()))
                .collect();
            data.grids
                .iter()
                .map(|g| {
                    let mut f = g.to_feature();
                    if let (Some(p), Some(pid)) = (f.properties.as_mut(), g.draft.parent_id) {
                        p.insert("parent_code".into(), code_of.get(&pid).copied().into());
                    }
                    f
                })
                .collect()
        }
        Layer::Buildings => data.buildings.iter().map(Building::to_feature).collect(),
        Layer::Roads => data.roads.iter().map(Road::to_feature).collect(),
        Layer::Osm => {
            return Err(Error::invalid(
                "layer",
                "osm is an import format; export grids, buildings, roads or subdistrict",
            ));
        }
    };
    Ok(crate::domain::geometry::collection(features))
}

/// Writes everything into a new GeoPackage file (refuses to overwrite one).
pub async fn gpkg(data: &Loaded, path: &Path) -> Result<()> {
    if path.exists() {
        return Err(Error::invalid(
            "out",
            format!("{} exists; choose a new file", path.display()),
        ));
    }
    let local = |id: i64| -1 - id;
    let batch = ImportBatch {
        subdistricts: data
            .subdistricts
            .iter()
            .map(|s| crate::domain::subdistrict::Subdistrict {
                id: local(s.id),
                ..s.clone()
            })
            .collect(),
        grids: data
            .grids
            .iter()
            .map(|g| {
                let mut draft = g.draft.clone();
                draft.parent_id = draft.parent_id.map(local);
                ImportGrid {
                    local_id: local(g.id),
                    subdistrict_id: local(g.subdistrict_id),
                    draft,
                }
            })
            .collect(),
        buildings: data
            .buildings
            .iter()
            .map(|b| crate::domain::reference::Building {
                subdistrict_id: local(b.subdistrict_id),
                ..b.clone()
            })
            .collect(),
        roads: data
            .roads
            .iter()
            .map(|r| crate::domain::reference::Road {
                subdistrict_id: local(r.subdistrict_id),
                ..r.clone()
            })
            .collect(),
    };
    let store = GpkgStore::create_export(path).await?;
    store.import(&batch, &Actor("gridd export".into())).await?;
    let extent = |rects: Vec<geo::Rect>| {
        rects.into_iter().reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
    };
    for (table, rects) in [
        (
            "subdistricts",
            data.subdistricts
                .iter()
                .filter_map(|s| s.boundary.bounding_rect())
                .collect::<Vec<_>>(),
        ),
        (
            "grids",
            data.grids
                .iter()
                .filter_map(|g| g.draft.geometry.bounding_rect())
                .collect(),
        ),
        (
            "buildings",
            data.buildings
                .iter()
                .filter_map(|b| b.footprint.bounding_rect())
                .collect(),
        ),
        (
            "roads",
            data.roads
                .iter()
                .filter_map(|r| r.line.bounding_rect())
                .collect(),
        ),
    ] {
        if let Some(r) = extent(rects) {
            store.set_extent(table, r).await?;
        }
    }
    store.close().await;
    Ok(())
}
