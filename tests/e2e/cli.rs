//! The `gridd` binary: import (all-or-nothing, every bad feature reported), OSM
//! import, export to GeoJSON and GeoPackage (read back by GDAL's `ogrinfo`).

use gridd_e2e::{Backend, StoreLocation, both_backends, run_gridd, temp_dir};

both_backends!(
    import_reports_every_bad_feature_and_stores_nothing,
    import_and_export_round_trip,
    users_and_tokens_from_the_command_line
);

fn demo(name: &str) -> String {
    format!("{}/../gis-data/demo/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn args(cmd: &[&str], store: &StoreLocation) -> Vec<String> {
    cmd.iter()
        .map(|s| (*s).to_owned())
        .chain(store.cli_args())
        .collect()
}

async fn import_reports_every_bad_feature_and_stores_nothing(b: Backend) {
    let store = StoreLocation::fresh(b).await;
    let (code, out, err) = run_gridd(&args(
        &["import", "subdistrict", &demo("subdistrict.geojson")],
        &store,
    ));
    assert_eq!(code, 0, "{out}{err}");
    // Break three features of the grid file in different ways.
    let text = std::fs::read_to_string(demo("grids.geojson")).unwrap();
    let mut fc: serde_json::Value = serde_json::from_str(&text).unwrap();
    fc["features"][3]["properties"]["name"] = "".into();
    fc["features"][10]["geometry"]["coordinates"][0][1] = serde_json::json!([500.0, 60.0]);
    fc["features"][20]["properties"]["level"] = 7.into();
    let bad = temp_dir().join("bad-grids.geojson");
    std::fs::write(&bad, fc.to_string()).unwrap();
    let (code, out, err) = run_gridd(&args(&["import", "grids", bad.to_str().unwrap()], &store));
    assert_eq!(code, 2, "{out}{err}");
    for needle in [
        "features[3].properties.name",
        "features[10].geometry.coordinates[0][1]",
        "features[20].properties.level",
        "nothing was stored",
    ] {
        assert!(err.contains(needle), "stderr names {needle}: {err}");
    }
    let loaded = store.open().await.load().await.unwrap().0;
    assert_eq!(loaded.grids.len(), 0, "nothing stored");
    // The good file goes in whole.
    let (code, out, err) = run_gridd(&args(&["import", "grids", &demo("grids.geojson")], &store));
    assert_eq!(code, 0, "{out}{err}");
    let n = serde_json::from_str::<serde_json::Value>(&text).unwrap()["features"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        out.contains(&format!("imported 0 subdistricts, {n} grids")),
        "{out}"
    );
    // Importing it again clashes on every code and stores nothing.
    let (code, _, err) = run_gridd(&args(&["import", "grids", &demo("grids.geojson")], &store));
    assert_eq!(code, 2);
    assert!(err.contains("is already stored"), "{err}");
    assert_eq!(store.open().await.load().await.unwrap().0.grids.len(), n);
}

async fn import_and_export_round_trip(b: Backend) {
    let store = StoreLocation::fresh(b).await;
    for (layer, file) in [
        ("subdistrict", "subdistrict.geojson"),
        ("grids", "grids.geojson"),
    ] {
        let (code, out, err) = run_gridd(&args(&["import", layer, &demo(file)], &store));
        assert_eq!(code, 0, "{out}{err}");
    }
    // OSM PBF: buildings and roads, clipped ways coped with.
    let pbf = format!(
        "{}/../gis-data/source/Helsinki.osm.pbf",
        env!("CARGO_MANIFEST_DIR")
    );
    let (code, out, err) = run_gridd(&args(&["import", "osm", &pbf], &store));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("skipped:"), "{out}");
    let loaded = store.open().await.load().await.unwrap().0;
    assert!(
        loaded.buildings.len() > 300,
        "buildings from the PBF: {}",
        loaded.buildings.len()
    );
    assert!(
        loaded.roads.len() > 1000,
        "roads from the PBF: {}",
        loaded.roads.len()
    );
    assert!(loaded.buildings.iter().any(|b| b.households > 0));

    // GeoJSON export keeps codes, parents and geometry.
    let dir = temp_dir();
    let gj = dir.join("grids.geojson");
    let (code, out, err) = run_gridd(&args(&["export", "--out", gj.to_str().unwrap()], &store));
    assert_eq!(code, 0, "{out}{err}");
    let fc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&gj).unwrap()).unwrap();
    let src: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(demo("grids.geojson")).unwrap()).unwrap();
    assert_eq!(
        fc["features"].as_array().unwrap().len(),
        src["features"].as_array().unwrap().len()
    );
    for f in src["features"].as_array().unwrap() {
        let code = &f["properties"]["code"];
        let e = fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| &e["properties"]["code"] == code)
            .unwrap();
        assert_eq!(e["geometry"], f["geometry"], "geometry of {code}");
        assert_eq!(
            e["properties"]["parent_code"],
            f["properties"]["parent_code"].clone(),
            "parent of {code}"
        );
    }

    // GeoPackage export opens in GDAL with the grids and their attributes.
    let gpkg = dir.join("export.gpkg");
    let (code, out, err) = run_gridd(&args(&["export", "--out", gpkg.to_str().unwrap()], &store));
    assert_eq!(code, 0, "{out}{err}");
    let o = std::process::Command::new("ogrinfo")
        .args(["-ro", "-al", "-so", gpkg.to_str().unwrap(), "grids"])
        .output()
        .expect("ogrinfo (Debian's gdal-bin) must be installed: scripts/test.sh installs it");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "ogrinfo failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains(&format!(
            "Feature Count: {}",
            src["features"].as_array().unwrap().len()
        )),
        "{text}"
    );
    for attr in [
        "code: String",
        "name: String",
        "level: Integer",
        "parent_id: Integer",
        "kind: String",
        "households: Integer",
        "version: Integer",
    ] {
        let name = attr.split(':').next().unwrap();
        assert!(
            text.lines()
                .any(|l| l.starts_with(name) && l.contains(attr.split(": ").nth(1).unwrap())),
            "attribute {attr} in {text}"
        );
    }
    assert!(
        text.contains("EPSG") || text.contains("WGS 84"),
        "SRS in {text}"
    );
    let o = std::process::Command::new("ogrinfo")
        .args([
            "-ro",
            "-q",
            gpkg.to_str().unwrap(),
            "grids",
            "-where",
            "level = 1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        text.matches("OGRFeature(grids)").count(),
        6,
        "six L1 grids read by GDAL: {text}"
    );
    // The exported GeoPackage is itself a gridd store.
    let again = StoreLocation::Gpkg(gpkg)
        .open()
        .await
        .load()
        .await
        .unwrap()
        .0;
    assert_eq!(again.grids.len(), src["features"].as_array().unwrap().len());
}

/// Defect: a failed import into a GeoPackage that did not exist left the new, empty
/// file behind.
#[test]
fn a_failed_import_leaves_no_new_geopackage() {
    let dir = temp_dir();
    let gpkg = dir.join("new.gpkg");
    // Grids into an empty store: there is no subdistrict for them.
    let (code, out, err) = run_gridd(&[
        "import".into(),
        "grids".into(),
        demo("grids.geojson"),
        "--gpkg".into(),
        gpkg.display().to_string(),
    ]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("subdistrict"), "{err}");
    assert!(
        !gpkg.exists(),
        "the failed import left {} behind",
        gpkg.display()
    );
    for suffix in ["-wal", "-shm"] {
        assert!(!dir.join(format!("new.gpkg{suffix}")).exists());
    }
    // A file that is not GeoJSON fails before any store is opened.
    let bad = dir.join("bad.geojson");
    std::fs::write(&bad, "not json").unwrap();
    let (code, _, _) = run_gridd(&[
        "import".into(),
        "grids".into(),
        bad.display().to_string(),
        "--gpkg".into(),
        gpkg.display().to_string(),
    ]);
    assert_eq!(code, 2);
    assert!(!gpkg.exists());
}

/// `gridd import --repair` fixes a self-crossing boundary and says what changed;
/// without it the same file is refused naming the crossing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_repairs_a_self_crossing_boundary_on_request() {
    let store = StoreLocation::fresh(Backend::Gpkg).await;
    // The demo subdistrict, its boundary made into a bow-tie at one corner.
    let text = std::fs::read_to_string(demo("subdistrict.geojson")).unwrap();
    let mut fc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ring = fc["features"][0]["geometry"]["coordinates"][0]
        .as_array_mut()
        .unwrap();
    ring.swap(1, 2);
    let bad = temp_dir().join("bowtie.geojson");
    std::fs::write(&bad, fc.to_string()).unwrap();
    let (code, out, err) = run_gridd(&args(
        &["import", "subdistrict", bad.to_str().unwrap()],
        &store,
    ));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("intersects itself"), "{err}");
    let (code, out, err) = run_gridd(&args(
        &["import", "subdistrict", bad.to_str().unwrap(), "--repair"],
        &store,
    ));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("repaired features[0]") && err.contains("m²"),
        "{err}"
    );
    assert!(out.contains("imported 1 subdistricts"), "{out}");
}

/// Runs `gridd` with text on standard input.
fn run_gridd_stdin(args: &[String], input: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(gridd_e2e::gridd_bin())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run gridd");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn users_and_tokens_from_the_command_line(b: Backend) {
    let store = StoreLocation::fresh(b).await;
    // The first admin, with a password from standard input.
    let (code, out, err) = run_gridd_stdin(
        &args(
            &[
                "user",
                "add",
                "chief",
                "--role",
                "subdistrict_admin@all",
                "--display-name",
                "李主任",
                "--password-stdin",
            ],
            &store,
        ),
        "chief-long-password\n",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("subdistrict_admin@all (街道管理员)"), "{out}");
    assert!(
        !out.contains("chief-long-password"),
        "a given password is not echoed"
    );
    // A generated password is printed once.
    let (code, out, err) = run_gridd(&args(
        &[
            "user",
            "add",
            "wang",
            "--role",
            "planner@subdistrict:1",
            "--role",
            "auditor@all",
        ],
        &store,
    ));
    assert_eq!(code, 0, "{out}{err}");
    let generated = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .expect("a generated password")
        .to_owned();
    assert_eq!(generated.len(), 20);
    // Bad input is refused, naming what is wrong, and nothing is stored.
    let (code, _, err) = run_gridd_stdin(
        &args(
            &[
                "user",
                "add",
                "short",
                "--role",
                "planner@all",
                "--password-stdin",
            ],
            &store,
        ),
        "short\n",
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("password") && err.contains("at least 10"),
        "{err}"
    );
    let (code, _, err) = run_gridd(&args(&["user", "add", "x", "--role", "boss@all"], &store));
    assert_ne!(code, 0);
    assert!(err.contains("role[0]") && err.contains("boss"), "{err}");
    let (code, _, err) = run_gridd(&args(
        &["user", "add", "wang", "--role", "planner@all"],
        &store,
    ));
    assert_ne!(code, 0);
    assert!(err.contains("already exists"), "{err}");
    let accounts = store.open_backend().await.accounts();
    let all = accounts.accounts().await.unwrap();
    assert_eq!(
        all.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        vec!["chief", "wang"]
    );
    let (_, h) = accounts.account_by_name("wang").await.unwrap().unwrap();
    assert!(gridd::accounts::secret::verify_password(&generated, &h));
    // List, disable, enable, reset, set roles.
    let (_, out, _) = run_gridd(&args(&["user", "list"], &store));
    assert!(out.contains("chief\t李主任\tactive"), "{out}");
    let (code, out, err) = run_gridd(&args(&["user", "disable", "wang"], &store));
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, _) = run_gridd(&args(&["user", "list"], &store));
    assert!(out.contains("wang\twang\tdisabled"), "{out}");
    assert_eq!(run_gridd(&args(&["user", "enable", "wang"], &store)).0, 0);
    let (code, out, _) = run_gridd(&args(&["user", "reset-password", "wang"], &store));
    assert_eq!(code, 0);
    let again = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap();
    assert_ne!(again, generated);
    let (_, h) = accounts.account_by_name("wang").await.unwrap().unwrap();
    assert!(gridd::accounts::secret::verify_password(again, &h));
    assert!(!gridd::accounts::secret::verify_password(&generated, &h));
    let (code, out, _) = run_gridd(&args(
        &[
            "user",
            "set-roles",
            "wang",
            "--role",
            "operator@subdistrict:1",
        ],
        &store,
    ));
    assert_eq!(code, 0);
    assert!(out.contains("operator@subdistrict:1"), "{out}");
    assert_ne!(
        run_gridd(&args(&["user", "disable", "nobody"], &store)).0,
        0
    );
    // Tokens: printed once, listed without the secret, revoked.
    let (code, out, err) = run_gridd(&args(
        &["token", "create", "wang", "--name", "平板 3", "--days", "7"],
        &store,
    ));
    assert_eq!(code, 0, "{out}{err}");
    let token = out
        .lines()
        .find(|l| l.starts_with("gridd_"))
        .unwrap()
        .to_owned();
    let now = gridd::accounts::now();
    let who = accounts
        .token(&gridd::accounts::secret::digest(&token), now)
        .await
        .unwrap()
        .expect("a live token");
    assert_eq!(who.name, "wang");
    let (_, list, _) = run_gridd(&args(&["token", "list"], &store));
    assert!(list.contains("wang\t平板 3\texpires"), "{list}");
    assert!(!list.contains(&token[6..]), "the secret is never listed");
    let id = list.split('\t').next().unwrap().trim().to_owned();
    assert_eq!(run_gridd(&args(&["token", "revoke", &id], &store)).0, 0);
    assert!(
        accounts
            .token(&gridd::accounts::secret::digest(&token), now)
            .await
            .unwrap()
            .is_none()
    );
    assert_ne!(
        run_gridd(&args(&["token", "revoke", &id], &store)).0,
        0,
        "revoked once"
    );
    assert_ne!(
        run_gridd(&args(
            &["token", "create", "wang", "--name", "x", "--days", "999"],
            &store
        ))
        .0,
        0
    );
    // Every one of these is in the audit log, signed by the command line.
    let audit = store.open_backend().await.audit();
    let rows = audit
        .audit_entries(&gridd::store::audit::AuditQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    for a in [
        "account_add",
        "account_disable",
        "account_enable",
        "password_reset",
        "account_grants",
        "token_issue",
        "token_revoke",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(rows.iter().all(|r| r.actor.starts_with("cli:")), "{rows:?}");
}
