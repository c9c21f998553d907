"""What a run does that reaches outside its process, watched by an audit hook while the run may
still become the server of the later runs (server.py, runs forked at their first thread's
start): a file opened for writing, a socket, a subprocess, a file removed... Forking the later
runs from there changes nothing the program can tell only when it did none of that, holds no
file descriptor it did not start with (a file read by the runs would be shared between them),
and is one thread.
"""

import os

_scouting = None         # the descriptors open at the run's start, while it may still serve
_outside = None          # the first audit event of the run that reaches outside the process

# Audit events that only read, or change nothing outside the process.
_HARMLESS = frozenset((
    "os.listdir", "os.scandir", "os.chdir", "os.putenv", "os.unsetenv", "os.listxattr",
    "os.getxattr", "os.walk", "os.fwalk", "glob.glob", "glob.glob/2",
))
_OUTSIDE = (
    "os.", "shutil.", "subprocess.", "socket.", "ctypes.", "mmap.", "sqlite3.", "urllib.",
    "http.", "ftplib.", "smtplib.", "poplib.", "imaplib.", "nntplib.", "telnetlib.",
    "webbrowser.", "signal.", "fcntl.", "resource.", "syslog.", "pty.", "termios.", "select.",
    "builtins.input", "_posixsubprocess.", "tempfile.", "msvcrt.", "winreg.", "_winapi.",
    "multiprocessing.", "asyncio.", "pdb.", "code.", "cpython.run_",
)
_WRITING = (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC)


def audit(event, args):
    if _scouting is None or _outside is not None:
        return
    if event == "open":
        mode = args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 else 0
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITING):
            _set_outside(event)
        return
    if event.startswith(_OUTSIDE) and event not in _HARMLESS:
        _set_outside(event)


def _set_outside(event):
    global _outside
    _outside = event


def _open_fds():
    try:
        return frozenset(os.listdir("/proc/self/fd"))
    except OSError:
        return None


def scout_from_here():
    """The run may serve the later ones: watch what it does from here."""
    global _scouting, _outside
    _outside = None
    _scouting = _open_fds()


def stayed_inside():
    """Whether the run did nothing that reaches outside since scout_from_here, and is one
    thread; the watch ends either way."""
    global _scouting
    fds, _scouting = _scouting, None
    if fds is None or _outside is not None or _open_fds() != fds:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False
