//! The store as the system of record: rows gridd would never write are refused
//! with the row named, not silently repaired.

use gridd_e2e::{Backend, StoreLocation, both_backends, run_gridd};

both_backends!(a_row_gridd_never_wrote_is_refused_naming_it);

/// Runs `sql` on the store behind gridd's back, with its checks off.
async fn tamper(store: &StoreLocation, pg: &[&str], gpkg: &[&str]) {
    use sqlx::Connection;
    match store {
        StoreLocation::Postgis(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            for q in pg {
                sqlx::query(q).execute(&mut c).await.unwrap();
            }
        }
        StoreLocation::Gpkg(path) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query("PRAGMA ignore_check_constraints = ON")
                .execute(&mut c)
                .await
                .unwrap();
            for q in gpkg {
                sqlx::query(q).execute(&mut c).await.unwrap();
            }
        }
    }
}

async fn a_row_gridd_never_wrote_is_refused_naming_it(b: Backend) {
    let store = StoreLocation::fresh(b).await;
    let server = gridd_e2e::Server::on(store.clone(), true).await;
    let a = server.app.atlas();
    let ids: Vec<i64> = a
        .grids(None, Some(3), None, None)
        .iter()
        .map(|g| g.grid.id)
        .collect();
    drop(a);
    drop(server);
    let args = |cmd: &str| -> Vec<String> {
        std::iter::once(cmd.to_owned())
            .chain(store.cli_args())
            .collect()
    };
    let (code, out, err) = run_gridd(&args("check"));
    assert_eq!(code, 0, "the demo loads and is clean: {out}{err}");

    // An unknown kind (the store used to read it as "residential").
    let (g, h) = (ids[0], ids[1]);
    tamper(
        &store,
        &[
            "ALTER TABLE grid DROP CONSTRAINT grid_kind_check",
            &format!("UPDATE grid SET kind = 'Wohnung' WHERE id = {g}"),
        ],
        &[&format!(
            "UPDATE grids SET kind = 'Wohnung' WHERE fid = {g}"
        )],
    )
    .await;
    let (code, _, err) = run_gridd(&args("check"));
    assert_ne!(code, 0, "a store with a bad row must not load");
    assert!(
        err.contains(&format!("grid row {g} cannot be read")) && err.contains("\"Wohnung\""),
        "the error names the row and the value: {err}"
    );
    let started = gridd::app::App::start(store.open().await).await;
    let e = started
        .err()
        .expect("App::start refuses the store")
        .to_string();
    assert!(e.contains(&format!("grid row {g}")), "{e}");

    // A responsible list that is not one (the store used to read it as nobody).
    tamper(
        &store,
        &[
            &format!("UPDATE grid SET kind = 'other' WHERE id = {g}"),
            &format!("UPDATE grid SET responsible = '[{{\"role\": 5}}]' WHERE id = {h}"),
        ],
        &[
            &format!("UPDATE grids SET kind = 'other' WHERE fid = {g}"),
            &format!("UPDATE grids SET responsible = '[{{\"role\": 5}}]' WHERE fid = {h}"),
        ],
    )
    .await;
    let (code, _, err) = run_gridd(&args("check"));
    assert_ne!(code, 0);
    assert!(
        err.contains(&format!("grid row {h} cannot be read")) && err.contains("responsible"),
        "{err}"
    );
}
