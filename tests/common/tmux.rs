//! tmux for the end-to-end tests: a server of its own per test running the real binary in a
//! window of a given size, keys sent, the screen read and waited for, and the terminal checked
//! to be restored when the program ends. tmux is required: without it the tests fail rather
//! than pass unseen.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest any awaited screen may take to appear. Generous: CI machines can be slow.
pub const DEADLINE: Duration = Duration::from_secs(20);
/// How often the screen is read while waiting.
pub const POLL: Duration = Duration::from_millis(50);
/// How long a screen must stay the same to count as settled.
pub const SETTLE: Duration = Duration::from_millis(400);

/// Runs `tmux` with `args` (with a deadline); returns its stdout, failing on an error.
pub fn tmux_raw(args: &[&str]) -> String {
    let mut child = match Command::new("tmux")
        .args(args)
        .env_remove("TMUX")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => panic!(
            "cannot run tmux ({error}): the end-to-end tests drive the dashboard in tmux; install it \
             (e.g. `apt-get install tmux`)"
        ),
    };
    let status = super::wait_child(&mut child, &format!("`tmux {}`", args.join(" ")), DEADLINE);
    let mut stdout = String::new();
    let mut stderr = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "`tmux {}` failed: {stderr}", args.join(" "));
    stdout
}

/// A tmux server of its own running one command in a window of a given size. Dropping it
/// kills the server and everything in it, whatever happened in the test.
pub struct Tmux {
    socket: String,
    /// The socket's file, which the server leaves behind when it is killed.
    socket_path: Option<std::path::PathBuf>,
}

pub const TARGET: &str = "main";

impl Tmux {
    /// Starts `command` (a shell command line) in a `width` x `height` window, on a socket
    /// named after the test so that parallel tests never meet.
    pub fn start(test: &str, width: u16, height: u16, command: &str) -> Self {
        let socket = format!("threadviz-e2e-{}-{test}", std::process::id());
        let mut tmux = Self { socket, socket_path: None };
        let (width, height) = (width.to_string(), height.to_string());
        // No user configuration, and no status line, so the program gets the whole window.
        let server = ["-f", "/dev/null", "start-server", ";", "set", "-g", "status", "off", ";"];
        let session = ["new-session", "-d", "-s", TARGET, "-x", &width, "-y", &height, command];
        tmux.run(&[&server[..], &session[..]].concat());
        tmux.socket_path = Some(tmux.display("#{socket_path}").into());
        tmux
    }

    pub fn run(&self, args: &[&str]) -> String {
        let mut full = vec!["-L", self.socket.as_str()];
        full.extend_from_slice(args);
        tmux_raw(&full)
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", TARGET])
    }

    /// The screen with its colours and attributes as escape sequences.
    pub fn screen_with_escapes(&self) -> String {
        self.run(&["capture-pane", "-p", "-e", "-t", TARGET])
    }

    /// A tmux format evaluated for the pane, e.g. `#{alternate_on}`.
    pub fn display(&self, format: &str) -> String {
        self.run(&["display-message", "-p", "-t", TARGET, format]).trim().to_owned()
    }

    /// Sends tmux key names (`n`, `Space`, `C-c`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", TARGET];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    pub fn resize(&self, width: u16, height: u16) {
        self.run(&["resize-window", "-t", TARGET, "-x", &width.to_string(), "-y", &height.to_string()]);
    }

    /// Waits until the screen satisfies `ready`; returns that screen.
    #[track_caller]
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.wait_for_with(what, ready, |_| {})
    }

    /// Like [`Tmux::wait_for`], calling `nudge` with each screen that did not match.
    #[track_caller]
    pub fn wait_for_with(&self, what: &str, ready: impl Fn(&str) -> bool, nudge: impl Fn(&str)) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "{what}: not on screen within {DEADLINE:?}; the screen is\n{screen}");
            nudge(&screen);
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the screen stops changing and returns it.
    #[track_caller]
    pub fn settled(&self) -> String {
        let deadline = Instant::now() + DEADLINE;
        let mut last = self.screen();
        let mut since = Instant::now();
        loop {
            std::thread::sleep(POLL);
            let screen = self.screen();
            if screen != last {
                last = screen;
                since = Instant::now();
            } else if since.elapsed() >= SETTLE {
                return last;
            }
            assert!(Instant::now() < deadline, "the screen kept changing for {DEADLINE:?}:\n{last}");
        }
    }

    /// The process of the program in the pane: the child of the pane's shell.
    pub fn program_pid(&self) -> u32 {
        let shell: u32 = self.display("#{pane_pid}").parse().unwrap();
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(pid) = child_named(shell, "threadviz") {
                return pid;
            }
            assert!(Instant::now() < deadline, "no threadviz process under the pane's shell {shell}");
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The child of `parent` whose command name is `name`, read from /proc.
pub fn child_named(parent: u32, name: &str) -> Option<u32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // `pid (comm) state ppid ...`; comm may hold spaces, so split at the last parenthesis.
        let Some((head, tail)) = stat.rsplit_once(") ") else { continue };
        let comm = head.split_once(" (").map_or("", |(_, comm)| comm);
        let parent_of_entry = tail.split_whitespace().nth(1).and_then(|field| field.parse::<u32>().ok());
        if parent_of_entry == Some(parent) && comm == name {
            return Some(pid);
        }
    }
    None
}

/// Waits for the program to end, then checks that it left the terminal as it found it: main
/// screen, cursor shown, no mouse reporting, canonical mode.
#[track_caller]
pub fn assert_exited_and_restored(tmux: &Tmux, code: i32) {
    let screen = tmux.wait_for("the program's exit", |screen| screen.contains("TTY "));
    assert!(screen.contains(&format!("EXITED {code}")), "exit code {code}:\n{screen}");
    assert!(screen.contains("TTY COOKED"), "raw mode is switched off:\n{screen}");
    assert!(!screen.contains("╭ Threads"), "the dashboard is gone with the alternate screen:\n{screen}");
    assert_eq!(tmux.display("#{alternate_on}"), "0", "the alternate screen is left");
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "the cursor is shown again");
    assert_eq!(tmux.display("#{mouse_any_flag}"), "0", "mouse reporting is off");
}

impl Tmux {
    /// Whether the pane's terminal is in canonical (cooked) mode, read from outside with
    /// `stty -F`, while the pane's own shell may be waiting on a stopped program.
    pub fn tty_is_cooked(&self) -> bool {
        let tty = self.display("#{pane_tty}");
        let output = Command::new("stty").args(["-a", "-F", &tty]).output().unwrap();
        assert!(output.status.success(), "stty -F {tty}: {}", String::from_utf8_lossy(&output.stderr));
        let settings = String::from_utf8_lossy(&output.stdout);
        !settings.split_whitespace().any(|setting| setting == "-icanon")
    }
}

/// The state letter of process `pid` in /proc (`T` when stopped, `S` sleeping), `?` if gone.
pub fn process_state(pid: u32) -> char {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(") ").and_then(|(_, tail)| tail.chars().next()))
        .unwrap_or('?')
}

/// Waits until process `pid` is in state `state` (see [`process_state`]).
#[track_caller]
pub fn wait_for_state(pid: u32, state: char) {
    let deadline = Instant::now() + DEADLINE;
    while process_state(pid) != state {
        assert!(Instant::now() < deadline, "process {pid} is {} after {DEADLINE:?}, not {state}", process_state(pid));
        std::thread::sleep(POLL);
    }
}
