//! `cargo xtask bench [core|qr|import|server|push|sync|soak|desktop|all]`: runs the benchmark binaries in release mode, each beside its
//! reference in the same run, and writes BENCHMARKS.md.

use std::fmt::Write as _;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::packages::{self, Area};
use crate::shell;

pub fn bench(args: &[String]) -> Result<()> {
    let area = args.first().map(String::as_str).unwrap_or("all");
    if ![
        "core", "qr", "import", "server", "push", "sync", "soak", "desktop", "all",
    ]
    .contains(&area)
    {
        bail!(
            "unknown benchmark area `{area}` (core, qr, import, server, push, sync, soak, desktop, all)"
        );
    }
    packages::ensure(Area::Bench)?;
    let path = shell::root().join("BENCHMARKS.md");
    let mut doc = std::fs::read_to_string(&path).unwrap_or_default();
    if !doc.starts_with("# Benchmarks") {
        doc = String::from(
            "# Benchmarks\n\n<!-- header -->\n<!-- /header -->\n\n<!-- core -->\n<!-- /core -->\n\n<!-- server -->\n<!-- /server -->\n",
        );
    }
    doc = replace_section(&doc, "header", &header()?);
    if area == "import" || area == "all" {
        let table = shell::output(shell::cargo().args([
            "bench",
            "-p",
            "twofold-formats",
            "--bench",
            "import",
        ]))?;
        print!("{table}");
        doc = replace_section(
            &doc,
            "import",
            &format!("## Importing other apps' exports\n\n{table}{IMPORT_NOTES}"),
        );
    }
    if !["server", "push", "sync", "soak", "desktop", "import"].contains(&area) {
        let which = if area == "all" { "all" } else { area };
        let table = shell::output(shell::cargo().args([
            "bench",
            "-p",
            "twofold-core",
            "--bench",
            "core",
            "--",
            which,
        ]))?;
        print!("{table}");
        doc = replace_section(
            &doc,
            "core",
            &format!("## twofold-core\n\n{table}{CORE_NOTES}"),
        );
    }
    if area == "server" || area == "all" {
        // PostgreSQL on the same cores, writes as durable as SQLite's WAL with
        // `synchronous = NORMAL` (written before a commit answers, synced later): fsync off.
        let postgres = crate::postgres::Postgres::start()?;
        let table = shell::output(
            shell::cargo()
                .args(["bench", "-p", "twofold-server", "--bench", "verify"])
                .env("TWOFOLD_BENCH_POSTGRES_URL", postgres.url()),
        )?;
        drop(postgres);
        print!("{table}");
        doc = replace_section(
            &doc,
            "server",
            &format!("## twofold-server\n\n{table}{SERVER_NOTES}"),
        );
    }
    if area == "push" || area == "all" {
        let mut text = String::new();
        for (title, extra) in [
            ("1,000 devices", &[][..]),
            (
                "10,000 devices (the stretch goal)",
                &["--", "--devices", "10000", "--requests", "1000"][..],
            ),
        ] {
            text.push_str(&format!(
                "{}### {title}\n\n",
                if text.is_empty() { "" } else { "\n" }
            ));
            text.push_str(&shell::output(
                shell::cargo()
                    .args(["bench", "-p", "twofold-server", "--bench", "push"])
                    .args(extra),
            )?);
        }
        let cluster = push_cluster()?;
        text.push_str(&format!(
            "\n### 30,000 devices across three replicas through HAProxy\n\n{cluster}"
        ));
        print!("{text}");
        doc = replace_section(
            &doc,
            "push",
            &format!("## Push approval delivery\n\n{text}{PUSH_NOTES}"),
        );
    }
    if area == "sync" || area == "all" {
        let table = shell::output(shell::cargo().args([
            "bench",
            "-p",
            "twofold-server",
            "--bench",
            "sync",
        ]))?;
        print!("{table}");
        doc = replace_section(&doc, "sync", &format!("## Sync\n\n{table}{SYNC_NOTES}"));
    }
    if area == "soak" || area == "all" {
        let text = shell::output(shell::cargo().args([
            "bench",
            "-p",
            "twofold-server",
            "--bench",
            "soak",
        ]))?;
        print!("{text}");
        doc = replace_section(
            &doc,
            "soak",
            &format!("## Soak: 10,000 device streams for 10 minutes\n\n{text}{SOAK_NOTES}"),
        );
    }
    if area == "desktop" || area == "all" {
        let table = desktop()?;
        print!("{table}");
        doc = replace_section(
            &doc,
            "desktop",
            &format!("## Desktop app\n\n{table}{DESKTOP_NOTES}"),
        );
    }
    std::fs::write(&path, doc).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

const CORE_NOTES: &str = "\nNotes:\n\n\
    - *Codes per tick* computes the current code of 1,000 accounts (80 % SHA1/6 digits, 10 % \
    SHA256/8, 10 % SHA512/6); the reference is totp-rs generating the same codes.\n\
    - *Vault open* reads, authenticates, decrypts and parses the file; *save* is a complete \
    `Vault::update`: lock, re-read and decrypt, change one account, encrypt, write a temporary \
    file, fsync, keep the previous generation, rename, fsync the directory.\n\
    - *QR decode* reads each PNG from disk and decodes it in-process; zbarimg \
    (`--nodbus -Sdisable -Sqrcode.enable`, plus `-Stest-inverted` for the inverted set) \
    decodes the same files in one process, so its start-up is shared by 8 images. The \
    screenshots are synthetic cluttered desktops (windows, text-like rows, icons, noise) with \
    one code at a random place.\n";

const IMPORT_NOTES: &str = "\nNotes:\n\n\
    - Each row is the whole import as `twofold import --yes` does it: the format told from the \
    bytes (the JSON parsed once), every entry converted and its labels checked, duplicates found \
    by a hash of each seed (not a scan of the vault), every account added with its tags, and one \
    vault save (encrypt, write, fsync, rename). The accounts have a tag each; 20 % use SHA256 or \
    SHA512.\n\
    - The 2FAS backup is encrypted as 2FAS does it (PBKDF2-SHA256, 10,000 rounds, AES-256-GCM); \
    its key derivation is measured alone in the same run and subtracted for the goal. Aegis's \
    scrypt (N = 2^15) and Proton's Argon2id (19 MiB) cost more, all of it in the KDF.\n\
    - The reference is `serde_json` parsing the Aegis file into a `Value`: the floor of reading \
    a 4.8 MB JSON file at all.\n";

const DESKTOP_NOTES: &str = "\nNotes:\n\n\
    - Release builds of the app and of an empty Tauri window (`src-tauri/examples/empty_window.rs`, \
    same crate and profile, a page that only paints), started alternately under Xvfb in a D-Bus \
    session with gnome-keyring. Start-up ends when the page reports (through the same IPC \
    command) the first codes on screen, or the empty page's first paint.\n\
    - Twofold opens a vault of 1,000 accounts whose key is in the keychain (while the window \
    loads), reads it, computes every code, and puts the first screenful of rows on the page (more \
    come as the list scrolls). Memory is the sum of PSS (`/proc/*/smaps_rollup`) over the process and its \
    children (WebKit's web and network processes).\n\
    - The run's log shows, per start, where the time and the memory go (both programs print \
    their steps with `TWOFOLD_REPORT_READY`, Tauri's page load events among them). On \
    2026-12-08 both take ~100–125 ms from Tauri's `setup` to the page's load starting (the \
    window, the webview, the plugins: no difference), and the empty page paints ~15 ms after \
    that; Twofold's page takes ~150–170 ms: the script (240 KB) runs and mounts the app (~45 \
    ms), the first codes arrive (the status and the codes are asked for at the top of the \
    script, so Rust answers while it mounts), the rows are built (~15–40 ms) and the first \
    frame is laid out and painted (~40–90 ms). Twofold's `setup` no longer asks the \
    global-shortcut manager anything when no shortcut is set (that waited 10–40 ms on its X11 \
    thread); before that, about one start in four began its page load ~550 ms late, and none \
    did in the 14 starts since (not proof it is gone). The web process \
    holds ~197 MiB against the empty page's ~140 MiB, the app's own process ~93 MiB against \
    ~80 MiB. The goals (1.2×, 1.1×) are not met yet.\n";

const SYNC_NOTES: &str = "\nNotes:\n\n\
    - The real `twofold-server` binary (release, SQLite file, `--sync open`) in its own process; \
    the two computers are `twofold_push::sync` clients in the benchmark process, each with its own \
    directory and an in-memory keychain.\n\
    - *Receives everything*: from redeeming the link to the end of the first round (every record \
    pulled, opened, merged and turned into the vault's contents).\n\
    - *One change*: a rename on one computer (stamped, then a round that pushes it) until the \
    other, waiting in a long poll, has finished the round that takes it in.\n\
    - The reference seals the same accounts as one vault payload (XChaCha20-Poly1305), uploads it \
    and downloads it over HTTP on loopback, and opens it: what a whole-vault sync moves for every \
    change, without any waiting for the change to be announced.\n";

/// The push benchmark's cluster round: `cargo xtask cluster up` with the release server (four
/// HAProxy processes: one holds at most half this machine's 20,000 descriptors a process in
/// connections), 30,000 devices, then the cluster down again (also when the round fails).
fn push_cluster() -> Result<String> {
    shell::run(shell::cargo().args([
        "build",
        "--release",
        "-p",
        "twofold-server",
        "--bin",
        "twofold-server",
    ]))?;
    let xtask = std::env::current_exe()?;
    let dir = crate::cluster::dir();
    let up = shell::run(
        std::process::Command::new(&xtask)
            .args(["cluster", "up"])
            .env(
                "TWOFOLD_CLUSTER_SERVER",
                shell::target_dir().join("release/twofold-server"),
            )
            .env("TWOFOLD_CLUSTER_RATE_PER_IP", "1000000")
            .env("TWOFOLD_CLUSTER_PROXIES", "4"),
    );
    let result = up.and_then(|()| {
        shell::output(shell::cargo().args([
            "bench",
            "-p",
            "twofold-server",
            "--bench",
            "push_cluster",
            "--",
            "--cluster",
            &dir.join("cluster.json").display().to_string(),
            "--devices",
            "30000",
            "--requests",
            "1000",
        ]))
    });
    let down = shell::run(std::process::Command::new(&xtask).args(["cluster", "down"]));
    let text = result?;
    down?;
    Ok(text)
}

const PUSH_NOTES: &str = "\nNotes:\n\n\
    - The real `twofold-server` binary (release, SQLite file) in its own process; the devices \
    are `twofold-push` clients in the benchmark process on the same 2 cores, each with its own \
    connection, signing its requests like a real device.\n\
    - A sample is the time from the create call's response (`POST \
    /onetouch/json/users/{id}/approval_requests`, one request per user, ~200 per second) to the \
    event at that user's device. The polling devices ask `GET /device/v1/requests?after=N&wait=0` \
    once a second, which is what a client without a push channel does; their latency is half the \
    interval on average by construction.\n\
    - Memory is the server's resident set size with the streams open minus before any connected, \
    divided by the number of devices, when the last stream opened and again 15 s later (the \
    server uses jemalloc, which gives memory freed after the burst of connections back within \
    seconds). A device connected straight to the server costs it ~23 KiB, nearly all of it \
    hyper's HTTP/1 buffers of its connection (8 KiB written headers, 8–16 KiB read buffer); \
    the stream itself (subscription, position, timers) is a few hundred bytes, with no task of \
    its own.\n\
    - *Across three replicas*: `cargo xtask cluster up` (etcd, PostgreSQL under Patroni, three \
    replicas, HAProxy; release build) and 30,000 devices in three worker processes of the \
    benchmark (10,000 each, each from its own loopback address), all through HAProxy, which \
    speaks HTTP/2 to the replicas: a device's stream is one HTTP/2 stream on a connection \
    shared with others, so a replica keeps no connection buffers per device. Four HAProxy \
    processes share its address (the kernel spreads connections over them): this machine \
    allows 20,000 descriptors a process. Requests are created through HAProxy too, so most are \
    created on a replica other than the device's and reach it by PostgreSQL `NOTIFY`.\n\
    - How: a create commits the request and its event, then wakes the user's streams (a \
    broadcast per user; PostgreSQL servers `NOTIFY` each other); a woken stream reads the events \
    after its last one from the database and writes them to the connection.\n";

const SOAK_NOTES: &str = "\nNotes:\n\n\
    - The real `twofold-server` binary (release, SQLite file) with 10,000 users, each with one \
    enrolled device holding `GET /device/v1/stream` from the benchmark process (same 2 cores). \
    Each minute a different tenth of the devices drops its connection and reconnects 200 ms \
    later with `Last-Event-ID`; 20 approval requests a second are created all along, \
    round-robin over the users.\n\
    - Memory is the server's resident set size; descriptors and threads come from `/proc`; the \
    server's stream count is its `twofold_device_streams` gauge, which a stream task that \
    outlived its connection would keep high. *Not delivered* compares every request the API \
    created with what the devices received; the run fails if any is missing.\n\
    - Warm-up before the first sample: every stream reconnects twice (a tenth every 3 s), \
    with the requests flowing. Why: a 30-minute run with the minute-by-minute churn alone \
    (2026-12-07, commit 565becc) grew from 253.7 MiB at minute 2 to 321.6 MiB at minute 20 and \
    then stayed level (321.6 → 325.1 MiB from minute 20 to 30, +1.1 %, with 10,000 reconnects \
    and 12,000 requests in those ten minutes): resident memory rises until every connection \
    has been opened twice, then holds. heaptrack (Debian's, `HEAPTRACK_OUT`; 3,000 streams, \
    6 minutes) shows why it is not a leak: the heap itself is level after 2.5 minutes \
    (97.9 → 101.1 MiB from minute 1 to 6, holding at 100.4–101.1 MiB from minute 2.5 on) — \
    mostly hyper's per-connection read and write buffers (about 18 KB a stream), tokio's tasks, \
    and 3.9 MiB of SQLite — while the resident set catches up with buffers whose pages are \
    touched only as the connections are used and replaced. (The earlier suspect, SQLite's page \
    caches, holds under 4 MiB: pages are cached as they are read, not up to the limit.)\n";

const SERVER_NOTES: &str = "\nNotes:\n\n\
    - wrk, 2 threads, 32 keep-alive connections, on the same 2 cores as the servers (both \
    servers in one process), in three alternating rounds of 4 s (bare, `verify`, bare, …) so a \
    busy moment of this shared machine does not fall on one side only. Whole runs still move: \
    0.49× to 0.54× on the day of this table (earlier, with one 10 s round each, 0.44× to 0.57×).\n\
    - The bare endpoint does the same TOTP check as `verify` (7 digits, one step either side) \
    with the seed in memory.\n\
    - Every `verify` request is a valid code of a different user (600,000 users, a third per \
    round, registered as \
    on a site in steady state), so none is a replay and each one pays for the API-key check \
    (the application read on every request: no cache, so a rotated key or a disabled feature \
    applies at once), the user read, the seed decryption, the ±1 step window and the durable \
    replay-protection insert before it answers.\n\
    - How: on SQLite the user read and the claim go to one thread that owns one rusqlite \
    connection with a warm page cache and runs whatever has queued up in one transaction \
    (group commit); checkpoints run on their own thread; usage counters are kept in memory \
    and flushed every 5 s. Through sqlx (one worker-thread hop and one transaction per \
    statement) the same run gave 0.05×.\n\
    - PostgreSQL 15 (Debian's) runs on the same two cores, started by `cargo xtask bench \
    server` with `fsync = off` — a commit is written before it answers and synced later, as \
    durable as SQLite's WAL with `synchronous = NORMAL` (both survive the process, not the \
    machine). Same users, devices and codes; the claims table holds a steady-state site's \
    rows before `ANALYZE`. The server's path: the API key read, then the user and its seeds \
    read in a batch with the attempts queued beside it (one `SELECT` over a JSON list), the \
    judge in Rust, then the decision in a batch (`twofold_verify_batch`: one call, one \
    commit).\n";

fn header() -> Result<String> {
    let mut h = String::from(
        "Produced by `cargo xtask bench [core|qr|import|server|push|soak|desktop|all]` (release builds). Every row is \
         measured beside its reference in the same run on the same machine, so the ratios hold \
         even when the machine is shared; absolute times move with load. Nothing here is \
         asserted by the tests.\n\n",
    );
    let _ = writeln!(
        h,
        "- date: {}",
        shell::output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]))?.trim()
    );
    let _ = writeln!(
        h,
        "- commit: {}",
        shell::output(
            Command::new("git")
                .args(["rev-parse", "--short", "HEAD"])
                .current_dir(shell::root())
        )
        .unwrap_or_default()
        .trim()
    );
    let _ = writeln!(
        h,
        "- machine: {}, {} cores, load average {}",
        cpu_model(),
        shell::output(&mut Command::new("nproc"))?.trim(),
        load()
    );
    let _ = writeln!(
        h,
        "- zbarimg: {}",
        shell::output(Command::new("zbarimg").arg("--version"))
            .unwrap_or_else(|_| "not installed".into())
            .trim()
    );
    let _ = writeln!(
        h,
        "- wrk: {}",
        shell::output(Command::new("wrk").arg("--version"))
            .unwrap_or_else(|e| e.to_string())
            .lines()
            .next()
            .unwrap_or("")
            .trim()
    );
    Ok(h)
}

fn replace_section(doc: &str, name: &str, body: &str) -> String {
    let (open, close) = (format!("<!-- {name} -->"), format!("<!-- /{name} -->"));
    match (doc.find(&open), doc.find(&close)) {
        (Some(a), Some(b)) if a < b => format!("{}{open}\n{body}{}", &doc[..a], &doc[b..]),
        _ => format!("{doc}\n{open}\n{body}{close}\n"),
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The desktop benchmark: release builds of the app and of the empty window, run under a
/// private Xvfb display in a D-Bus session with a throwaway keyring.
fn desktop() -> Result<String> {
    packages::ensure(Area::All)?;
    crate::ui::build()?;
    shell::run(shell::cargo().args([
        "build",
        "--release",
        "-p",
        "twofold-desktop",
        "--bin",
        "twofold-desktop",
        "--example",
        "empty_window",
    ]))?;
    // The bench binary too, before the session starts.
    shell::run(shell::cargo().args([
        "bench",
        "-p",
        "twofold-desktop",
        "--bench",
        "desktop",
        "--no-run",
    ]))?;
    let target = shell::target_dir();
    let work = std::env::temp_dir().join(format!("twofold-bench-desktop-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let display = crate::desktop::start_xvfb(&work)?;
    let me = std::env::current_exe().context("finding the xtask binary")?;
    let out = Command::new("keyctl")
        .args(["session", "-", "dbus-run-session", "--"])
        // Settings written inside the session (accessibility turned on for the AT-SPI
        // check) stay there, never in the user's own dconf database.
        .env("GSETTINGS_BACKEND", "memory")
        .arg(me)
        .arg("__bench-desktop-in-session")
        .env("DISPLAY", &display.1)
        .env("TWOFOLD_BENCH_APP", target.join("release/twofold-desktop"))
        .env(
            "TWOFOLD_BENCH_EMPTY",
            target.join("release/examples/empty_window"),
        )
        .current_dir(shell::root())
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running the desktop benchmark")?;
    drop(display);
    let _ = std::fs::remove_dir_all(&work);
    if !out.status.success() {
        bail!("the desktop benchmark failed");
    }
    // Only the table: daemons started in the session (at-spi) write to the same stdout.
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| format!("{l}\n"))
        .collect())
}

/// Inside the D-Bus session: a keyring, then the benchmark binary (its table on stdout).
pub fn desktop_in_session() -> Result<()> {
    let (data, runtime) = crate::test::start_keyring()?;
    let result = shell::run(
        shell::cargo()
            .args(["bench", "-p", "twofold-desktop", "--bench", "desktop"])
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", &runtime),
    );
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&runtime);
    result
}
