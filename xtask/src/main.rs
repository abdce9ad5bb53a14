//! `cargo xtask`: the project's own automation — `run` the product, `test` everything headless,
//! `bench` and write BENCHMARKS.md. Each installs the system packages it needs first.

mod bench;
mod bundle;
mod cluster;
mod desktop;
mod fuzz;
mod house;
mod packages;
mod postgres;
mod run;
mod shell;
mod small_disk;
mod supply_chain;
mod test;
mod ui;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [--cli]    build the UI and start the desktop app (--cli: the CLI on a demo vault)
  test           install what the tests need, then fmt, clippy and every test, headless
  bench [AREA]   run the benchmarks (AREA: core | qr | import | server | push | soak | desktop | all), write BENCHMARKS.md
  bundle         build the desktop app's .deb (release build, Tauri CLI from npm)
  fuzz [TARGET] [--time S] [--runs N]
                 fuzz the parsers of outside input (default: every target for 60 s)
  cluster up|down|status
                 a local cluster: etcd, two PostgreSQL nodes under Patroni, three
                 twofold-server replicas and HAProxy, from deploy/ (see docs/deploy.md)
  desktop-e2e    only the desktop app's WebDriver suite (both modes, real gnome-keyring)
  house          only check the house rules and the supply chain (cargo xtask test does too)
  deps [AREA]    only install the system packages (AREA: build | test | bench | cluster | all)
  import-check [DIR]
                 run the importers over other apps' real export files with an expected.json
                 (default ../shared/fixtures/imports; a developer's check, not in the tests)";

fn main() {
    if let Err(e) = dispatch() {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

fn dispatch() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = &args[1.min(args.len())..];
    match args.first().map(String::as_str) {
        Some("run") => run::run(rest),
        Some("test") => test::test(rest),
        Some("__test-in-session") => test::in_session(rest),
        Some("desktop-e2e") => test::desktop_e2e(),
        Some("__desktop-e2e-in-session") => test::desktop_e2e_in_session(),
        Some("bench") => bench::bench(rest),
        Some("bundle") => bundle::bundle(),
        Some("cluster") => cluster::cluster(rest),
        Some("fuzz") => fuzz::fuzz(rest),
        Some("__bench-desktop-in-session") => bench::desktop_in_session(),
        Some("import-check") => import_check(rest),
        Some("house") => house::check().and_then(|()| supply_chain::check()),
        Some("deps") => packages::ensure(packages::Area::parse(rest.first().map(String::as_str))?),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// `cargo xtask import-check [DIR]`: twofold-formats' `import_check` example on a fixture
/// folder.
fn import_check(args: &[String]) -> Result<()> {
    let dir = match args.first() {
        Some(d) => std::path::PathBuf::from(d),
        None => shell::root().join("../shared/fixtures/imports"),
    };
    let dir = std::fs::canonicalize(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    shell::run(
        shell::cargo()
            .args([
                "run",
                "--quiet",
                "-p",
                "twofold-formats",
                "--example",
                "import_check",
                "--",
            ])
            .arg(dir),
    )
}
