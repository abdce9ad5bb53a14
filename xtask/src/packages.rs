//! The system packages each task needs, installed with apt on Debian and Ubuntu (as root, or
//! through sudo); elsewhere a clear message lists what to install.

use std::process::Command;

use anyhow::{Result, bail};

use crate::shell;

/// What the packages are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// Building the workspace.
    Build,
    /// Running the tests (keychain, oathtool).
    Test,
    /// Running the benchmarks (zbarimg as the peer).
    Bench,
    /// A local cluster (`cargo xtask cluster`): etcd, Patroni, PostgreSQL, HAProxy.
    Cluster,
    /// Everything.
    All,
}

impl Area {
    pub fn parse(s: Option<&str>) -> Result<Self> {
        Ok(match s {
            None | Some("all") => Self::All,
            Some("build") => Self::Build,
            Some("test") => Self::Test,
            Some("bench") => Self::Bench,
            Some("cluster") => Self::Cluster,
            Some(other) => {
                bail!("unknown package area `{other}` (build, test, bench, cluster, all)")
            }
        })
    }

    fn packages(self) -> Vec<&'static str> {
        let build = [
            "build-essential",
            "pkg-config",
            "file",
            "python3",
            "python3-venv",
            "libssl-dev",
            "libwebkit2gtk-4.1-dev",
            "libayatana-appindicator3-dev",
            "librsvg2-dev",
            "libxdo-dev",
            // Screen capture (xcap): it links PipeWire and libgbm and runs bindgen (libclang).
            "libpipewire-0.3-dev",
            "libclang-dev",
            "libgbm-dev",
            "libxcb1-dev",
            "libxrandr-dev",
        ];
        let test = [
            "oathtool",
            "dbus",
            "dbus-x11",
            "gnome-keyring",
            "keyutils",
            "libsecret-tools",
            // The server's end-to-end suite on PostgreSQL, and its TLS check.
            "postgresql",
            "curl",
            // The desktop app under a virtual display, driven by WebDriver; clipboard reads;
            // `display` shows a QR on the screen for the screen-scan test.
            "xvfb",
            "xauth",
            "webkit2gtk-driver",
            "xclip",
            "imagemagick",
            // A notification daemon, so the desktop e2e sees push notifications arrive.
            "dunst",
            // pgrep: the e2e waits for the app to exit before relaunching it.
            "procps",
            // A push server whose clock is a minute off, for the clock check.
            "faketime",
            // The built UI's screenshots, light and dark (playwright-core drives it).
            "chromium",
            // ZBar reads the Google Authenticator QR codes Twofold exports (not our decoder).
            "zbar-tools",
            // The app's accessibility tree as screen readers read it: the AT-SPI bus and
            // registry, and libatspi for Debian's Python (tests/desktop/atspi_tree.py).
            "at-spi2-core",
            "gir1.2-atspi-2.0",
            "python3-gi",
            // Presses the global shortcut on the X server, as a keyboard would (XTest).
            "xdotool",
        ];
        let bench = ["zbar-tools", "wrk"];
        let cluster = ["postgresql", "etcd-server", "patroni", "haproxy", "curl"];
        match self {
            Self::Build => build.to_vec(),
            // The cluster's fault tests run with the others.
            Self::Test => [&build[..], &test[..], &cluster[..]].concat(),
            Self::Bench => [&build[..], &bench[..], &cluster[..]].concat(),
            Self::Cluster => [&build[..], &cluster[..]].concat(),
            Self::All => [&build[..], &test[..], &bench[..], &cluster[..]].concat(),
        }
    }
}

/// Installs what `area` needs and is missing.
pub fn ensure(area: Area) -> Result<()> {
    let wanted = area.packages();
    if !shell::have("dpkg-query") || !shell::have("apt-get") {
        eprintln!(
            "xtask: not a Debian/Ubuntu system: make sure these (or your system's equivalents) are installed: {}",
            wanted.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = wanted.into_iter().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing system packages: {}", missing.join(" "));
    let root = shell::output(Command::new("id").arg("-u"))
        .map(|s| s.trim() == "0")
        .unwrap_or(false);
    let prefix: Vec<&str> = if root {
        vec![]
    } else if shell::have("sudo") {
        vec!["sudo"]
    } else {
        bail!(
            "these packages are missing and I am not root (and there is no sudo): {}",
            missing.join(" ")
        );
    };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = prefix.clone();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut c = Command::new(all[0]);
        c.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        shell::run(&mut c)
    };
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(missing.iter().copied());
    apt(&args)
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}
