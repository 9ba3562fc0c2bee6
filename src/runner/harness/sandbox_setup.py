"""rubricate sandbox setup: the mounts and the capability drop of the
`namespaces` isolation level, and the capped scratch file system in front of
bubblewrap. Standard library only (no NumPy): the Python harness, the fork
server and the trampoline for Node and Rust harnesses (ns_exec.py) load it by
path, and the grader runs it as a script before bubblewrap.

It fails closed. Every mount, remount and capability change is checked; one
that cannot be made raises IsolationError, and the caller ends the session with
a `fatal` frame before any learner code runs. The only failures accepted are
those that leave nothing to protect, each named where it is accepted:

- a mount point that no longer resolves (ENOENT, ENOTDIR) or that root cannot
  enter (EACCES, a FUSE mount of another user) when it is made read-only:
  learner code cannot reach it by that path either;
- a host top-level entry that vanished between listing / and covering it.

After the setup, and before the capabilities are dropped, every mount learner
code can reach is checked from /proc/self/mountinfo (each mount point opened
and its mount id compared): each must be read-only, without device files, and
without set-uid, except the ones this module made writable on purpose
(scratch, /tmp, /dev/shm, the fork server's private tmpfs) and the device
nodes of the private /dev. A mount that stays writable by any path ends the
session, whatever step let it through.

    python3 -I -S sandbox_setup.py CONFIG_JSON -- COMMAND ARGS...

(the script form, run as root inside `unshare --mount`) mounts the capped
tmpfs file systems CONFIG_JSON `tmpfs` lists, copies what was at each path
into it, refuses new user namespaces (seccomp) and execs COMMAND
(bubblewrap), which binds them into its sandbox.

Everything it uses is imported before the setup: afterwards the interpreter's
own folders may not be visible (the trampoline's Python, for Node and Rust).
"""

import ctypes
import ctypes.util
import errno
import json
import os
import re
import signal
import stat
import struct
import sys

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

# Errors that mean "nothing is reachable here" when a mount point is made read-only.
_UNREACHABLE = (errno.ENOENT, errno.ENOTDIR, errno.EACCES)

# Top-level folders the sandbox keeps (read-only); the rest of / is covered.
SYSTEM_TOP = frozenset(('usr', 'bin', 'sbin', 'lib', 'lib64', 'lib32', 'libx32', 'etc', 'dev', 'proc', 'sys', 'tmp'))

# The device nodes of the private /dev, bound from the host's (as bubblewrap's --dev).
DEVICES = ('null', 'zero', 'full', 'random', 'urandom', 'tty')

# Default caps of the scratch file system (CONFIG_JSON scratchBytes, scratchInodes).
SCRATCH_BYTES = 256 * 1024 * 1024
SCRATCH_INODES = 16384
# /tmp and /dev/shm: learner code is pointed at scratch (TMPDIR); these are for code that hard-codes them.
SMALL_TMPFS = 'size=16m,nr_inodes=4096,mode=1777'


class IsolationError(Exception):
    """A part of the sandbox could not be applied: the session must not run learner code."""


_libc_handle = None


def _libc():
    global _libc_handle
    if _libc_handle is None:
        try:
            _libc_handle = ctypes.CDLL('libc.so.6', use_errno=True)
        except OSError:
            _libc_handle = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
        _libc_handle.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
        _libc_handle.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return _libc_handle


def _bytes(value):
    return None if value is None else os.fsencode(value)


class Mounter:
    """mount(2) with errors raised as OSError. `test` (CONFIG_JSON `test`,
    set only by rubricate's own tests, from RUBRICATE_TEST_SANDBOX_FAULT)
    injects faults: `failMount` makes every mount call on that path fail with
    EPERM, `failType` every mount of a new file system of that type (tmpfs...),
    `skipMount` makes the read-only remount of that path silently do nothing,
    as the old code did on errors. None can weaken a sandbox that passes the
    final check: they exist to prove that check and the error paths."""

    def __init__(self, test=None):
        test = test if isinstance(test, dict) else {}
        self.fail = test.get('failMount')
        self.fail_type = test.get('failType')
        self.skip = test.get('skipMount')

    def __call__(self, source, target, fstype, flags, data=None):
        if (self.fail is not None and target == self.fail) or (self.fail_type is not None and fstype == self.fail_type):
            raise OSError(errno.EPERM, 'mount %s: %s (injected by the test hook)' % (target, os.strerror(errno.EPERM)))
        if self.skip is not None and target == self.skip and flags & MS_REMOUNT and flags & MS_RDONLY:
            return
        if _libc().mount(_bytes(source), _bytes(target), _bytes(fstype), flags, _bytes(data)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, 'mount %s: %s' % (target, os.strerror(err)))


# ---------------------------------------------------------------- mountinfo

_OCTAL = re.compile(rb'\\([0-7]{3})')


def decode_mountinfo_path(raw):
    """A path field of /proc/self/mountinfo: the kernel writes space, tab,
    newline and backslash as octal escapes (\\040...) and every other byte as
    it is (UTF-8 names stay UTF-8). Bytes in, str out (os.fsdecode keeps any
    byte sequence)."""
    return os.fsdecode(_OCTAL.sub(lambda m: bytes((int(m.group(1), 8),)), raw))


class MountEntry:
    __slots__ = ('id', 'parent', 'path', 'options', 'fstype')

    def __init__(self, mount_id, parent, path, options, fstype):
        self.id = mount_id
        self.parent = parent
        self.path = path
        self.options = options
        self.fstype = fstype


def mountinfo():
    """The mounts of this namespace, in the kernel's order."""
    with open('/proc/self/mountinfo', 'rb') as f:
        data = f.read()
    out = []
    for line in data.split(b'\n'):
        if not line:
            continue
        fields = line.split(b' ')
        try:
            dash = fields.index(b'-', 6)
            out.append(MountEntry(int(fields[0]), int(fields[1]), decode_mountinfo_path(fields[4]),
                                  frozenset(fields[5].decode('ascii', 'replace').split(',')),
                                  fields[dash + 1].decode('ascii', 'replace')))
        except (IndexError, ValueError) as exc:
            raise IsolationError('cannot read /proc/self/mountinfo: %r (%s)' % (line[:200], exc))
    return out


def mount_id_of(path):
    """The id of the mount `path` resolves to now, or None when it does not resolve."""
    try:
        fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in _UNREACHABLE + (errno.ELOOP,):
            return None
        raise
    try:
        return mount_id_of_fd(fd)
    finally:
        os.close(fd)


def mount_id_of_fd(fd):
    with open('/proc/self/fdinfo/%d' % fd, 'rb') as f:
        for line in f:
            if line.startswith(b'mnt_id:'):
                return int(line.split()[1])
    raise IsolationError('the kernel does not report mount ids (/proc/self/fdinfo has no mnt_id)')


def _under(path, roots):
    return any(path == root or path.startswith(root.rstrip('/') + '/') for root in roots)


# ---------------------------------------------------------------- namespace setup

def _private_files(top):
    """Regular files under `top` that other users may not read (password hashes,
    host keys, service credentials): learner code runs as root without
    capabilities here, which still passes their owner's permission check, so
    they are shown as /dev/null, as a sandbox user under bubblewrap could not
    read them either. About 20 ms for a thousand files in /etc."""
    found = []
    for root, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            if stat.S_ISREG(mode) and not mode & stat.S_IROTH:
                found.append(path)
    return found


def _copy_tree(src_fd, dest, uid=None, gid=None):
    """Copies the folder open as `src_fd` into `dest` (files, folders, modes;
    owners too, as root). Special files and symbolic links are left out (the
    grader's copy holds none)."""
    for dirpath, dirnames, filenames, dirfd in os.fwalk('.', dir_fd=src_fd, follow_symlinks=False):
        target_dir = os.path.normpath(os.path.join(dest, dirpath))
        for name in dirnames:
            info = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
            target = os.path.join(target_dir, name)
            os.mkdir(target, stat.S_IMODE(info.st_mode) | 0o700)
            _own(target, info, uid, gid)
        for name in filenames:
            info = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=dirfd)
            try:
                target = os.path.join(target_dir, name)
                out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, stat.S_IMODE(info.st_mode))
                try:
                    while os.sendfile(out, src, None, 1 << 24):
                        pass
                finally:
                    os.close(out)
                _own(target, info, uid, gid)
            finally:
                os.close(src)
    info = os.fstat(src_fd)
    os.chmod(dest, stat.S_IMODE(info.st_mode) | 0o700)
    _own(dest, info, uid, gid)


def _own(path, info, uid, gid):
    want_uid = info.st_uid if uid is None else uid
    want_gid = info.st_gid if gid is None else gid
    if os.geteuid() == 0 and (want_uid, want_gid) != (0, 0):
        os.chown(path, want_uid, want_gid, follow_symlinks=False)


def capped_tmpfs(mount, path, size, inodes, mode='0700', uid=None, gid=None, flags=MS_NOSUID | MS_NODEV):
    """A tmpfs with a byte and an inode cap on `path`; returns its mount id."""
    options = 'size=%d,nr_inodes=%d,mode=%s' % (int(size), int(inodes), mode)
    if uid is not None:
        options += ',uid=%d,gid=%d' % (int(uid), int(gid))
    mount('tmpfs', path, 'tmpfs', flags, options)
    return mount_id_of(path)


def setup_namespace(config, scratch_writable=True, private_tmpfs=None, drop=True):
    """Inside fresh mount/pid/net namespaces, as root: private /tmp, read-only
    everything else, scratch writable on a capped tmpfs, then drop every
    capability. As with bubblewrap, only the system folders stay visible: every
    other top-level folder of the host (/root, /home, /opt, /srv, /var, /run, a
    checkout, other submissions and their scratch copies in the host's /tmp) is
    covered by an empty read-only tmpfs, top-level files and the password
    hashes by /dev/null, and the folders the harness and the interpreter need
    (config `visible`) are bound back. /proc is fresh and read-only, /sys an
    empty read-only folder (nothing rubricate runs needs it; bubblewrap shows
    none), /dev a private read-only tmpfs with only null, zero, full, random,
    urandom and tty from the host, a private devpts and a private /dev/shm.
    New user namespaces are refused (seccomp) and the process switches to
    config `user` when given.

    `config`: `scratch` (folder), `visible` (folders), optional `scratchBytes`
    and `scratchInodes` (caps of the scratch tmpfs), `user` ({uid, gid}: the
    unprivileged user learner code runs as, nobody as under bubblewrap; it
    owns scratch) and `test` (fault injection, see Mounter). The scratch folder's files (the grader's copy) are
    copied into the capped tmpfs mounted over it; one-shot commands whose
    output the grader reads (a build) get theirs back through
    run_then_export, never by writing on the host's disk.

    A fork server keeps its folder read-only (`scratch_writable=False`) and
    mounts `private_tmpfs` = (folder inside it, size in bytes[, inodes]): a
    capped tmpfs only this namespace sees, where each child writes its own
    files.

    `drop=False` leaves the capabilities to the caller (run_then_export drops
    them in the child that runs the command, and keeps them in the
    namespace's init, which only waits and hands files back).

    Raises IsolationError when any part cannot be applied."""
    try:
        _setup_namespace(config, scratch_writable, private_tmpfs, drop)
    except IsolationError:
        raise
    except OSError as exc:
        raise IsolationError(str(exc))


def _setup_namespace(config, scratch_writable, private_tmpfs, drop=True):
    mount = Mounter(config.get('test'))
    scratch = os.path.abspath(config['scratch'])
    scratch_bytes = int(config.get('scratchBytes', SCRATCH_BYTES))
    scratch_inodes = int(config.get('scratchInodes', SCRATCH_INODES))
    user = config.get('user') if isinstance(config.get('user'), dict) else None
    owner = {'uid': int(user['uid']), 'gid': int(user['gid'])} if user else {}

    mount(None, '/', None, MS_REC | MS_PRIVATE)
    # A fresh /proc for the new PID namespace (hides the host's processes), read-only:
    # root without capabilities still passes the permission checks of /proc/sys, /proc/irq...
    mount('proc', '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY)

    # Every mount read-only, except those replaced below (/proc, /sys, /dev).
    for entry in mountinfo():
        point = entry.path
        if _under(point, ('/proc', '/sys', '/dev')):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
        if 'noexec' in entry.options:
            flags |= MS_NOEXEC
        try:
            mount(None, point, None, flags)
        except OSError as exc:
            # A mount point that vanished or that root may not enter: nothing to reach there
            # (the final check below proves it). Anything else ends the session.
            if exc.errno not in _UNREACHABLE:
                raise IsolationError('cannot make %s read-only: %s' % (point, os.strerror(exc.errno)))

    # What must stay reachable is held open before anything is covered.
    covered = []
    masked_files = []
    for name in os.listdir('/'):
        top = '/' + name
        if name in SYSTEM_TOP or os.path.islink(top):
            continue
        if os.path.isdir(top):
            covered.append(top)
        elif os.path.isfile(top):
            masked_files.append(top)
    hidden_roots = tuple(top + '/' for top in covered) + ('/tmp/', '/dev/shm/')
    wanted = []
    for folder in config.get('visible', []):
        if not isinstance(folder, str) or not os.path.isdir(folder):
            continue
        # At its own path and, when that goes through a symbolic link, at the real one too.
        for path in dict.fromkeys((os.path.abspath(folder), os.path.realpath(folder))):
            if path.startswith(hidden_roots) and not _under(path, (scratch,)):
                wanted.append(path)
    held = [os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC) for folder in wanted]
    scratch_fd = os.open(scratch, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    devices = [os.open('/dev/' + name, os.O_PATH | os.O_CLOEXEC) for name in DEVICES]
    writable = set()   # mount ids made writable on purpose
    device_mounts = set()
    try:
        # /sys: an empty read-only folder (the host's cgroup tree and kernel tunables are not reachable).
        mount('tmpfs', '/sys', 'tmpfs', MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 'size=4k,nr_inodes=8,mode=0555')
        _private_dev(mount, devices, writable, device_mounts)
        for top in covered:
            try:
                mount('tmpfs', top, 'tmpfs', MS_NOSUID | MS_NODEV, 'size=1m,nr_inodes=1024,mode=0755')
            except OSError as exc:
                if exc.errno not in (errno.ENOENT, errno.ENOTDIR):  # vanished since the listing
                    raise
        for path in masked_files + _private_files('/etc'):
            masked = _mask(mount, path)
            if masked is not None:
                device_mounts.add(masked)
        writable.add(capped_tmpfs(mount, '/tmp', 16 << 20, 4096, mode='1777'))
        # The folders the harness and the interpreter need, read-only at their own paths.
        for folder, fd in zip(wanted, held):
            os.makedirs(folder, exist_ok=True)
            mount('/proc/self/fd/%d' % fd, folder, None, MS_BIND | MS_REC)
            mount(None, folder, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_RDONLY)
        os.makedirs(scratch, exist_ok=True)
        if scratch_writable:
            # Scratch lives on a tmpfs capped in bytes and inodes, never on the host's disk:
            # the grader's copy (held open) is copied into it.
            writable.add(capped_tmpfs(mount, scratch, scratch_bytes, scratch_inodes, **owner))
            try:
                _copy_tree(scratch_fd, scratch)
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise IsolationError('the submission does not fit the scratch file system (%d bytes, %d files)'
                                         % (scratch_bytes, scratch_inodes))
                raise
        else:
            mount('/proc/self/fd/%d' % scratch_fd, scratch, None, MS_BIND)
            mount(None, scratch, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_RDONLY)
        # The covering tmpfs mounts only hold the folders bound back: read-only from here on.
        for top in covered:
            try:
                mount(None, top, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
            except OSError as exc:
                if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
                    raise
        if private_tmpfs is not None:
            folder, size = private_tmpfs[0], private_tmpfs[1]
            inodes = private_tmpfs[2] if len(private_tmpfs) > 2 else SCRATCH_INODES
            writable.add(capped_tmpfs(mount, folder, size, inodes, mode='0755', **owner))
    finally:
        for fd in held + devices + [scratch_fd]:
            os.close(fd)
    verify_mounts(writable, device_mounts)
    if drop:
        drop_capabilities(user)


def _mask(mount, path):
    """Shows `path` (a file) as the private /dev/null (reads find it empty);
    returns the mount id, None when the file vanished since the listing."""
    try:
        mount('/dev/null', path, None, MS_BIND)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise
    mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC)
    return mount_id_of(path)


def _private_dev(mount, devices, writable, device_mounts):
    """A private /dev as bubblewrap's --dev makes it: a tmpfs with the host's
    null, zero, full, random, urandom and tty bound in (no other host device:
    no disks, loop devices, consoles, /dev/kmsg), the usual links, a private
    devpts instance and a capped /dev/shm; then read-only."""
    mount('tmpfs', '/dev', 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, 'size=64k,nr_inodes=64,mode=0755')
    for name, fd in zip(DEVICES, devices):
        path = '/dev/' + name
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666))
        mount('/proc/self/fd/%d' % fd, path, None, MS_BIND)
        # Read-only, but a device node: its reads and writes go to the driver.
        mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC)
        device_mounts.add(mount_id_of(path))
    for link, target in (('fd', '/proc/self/fd'), ('stdin', '/proc/self/fd/0'), ('stdout', '/proc/self/fd/1'),
                         ('stderr', '/proc/self/fd/2'), ('ptmx', 'pts/ptmx')):
        os.symlink(target, '/dev/' + link)
    os.mkdir('/dev/pts', 0o755)
    os.mkdir('/dev/shm', 0o1777)
    os.chmod('/dev/shm', 0o1777)
    # A pty made here belongs to this sandbox alone: no host terminal is reachable from it.
    mount('devpts', '/dev/pts', 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620')
    pts = mount_id_of('/dev/pts')
    writable.add(pts)
    device_mounts.add(pts)
    writable.add(capped_tmpfs(mount, '/dev/shm', 16 << 20, 4096, mode='1777'))
    mount(None, '/dev', None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)


def verify_mounts(writable, device_mounts):
    """Every mount reachable by path is read-only, nodev and nosuid, except the
    writable and device mounts made on purpose. A mount hidden under another
    (the host's /tmp under the private one) is not reachable: its mount point
    resolves to a different mount."""
    problems = []
    for entry in mountinfo():
        if mount_id_of(entry.path) != entry.id:
            continue
        if entry.id not in writable and 'ro' not in entry.options:
            problems.append('%s (%s) is writable' % (entry.path, entry.fstype))
        if entry.id not in device_mounts and 'nodev' not in entry.options:
            problems.append('%s (%s) allows device files' % (entry.path, entry.fstype))
        if 'nosuid' not in entry.options:
            problems.append('%s (%s) allows set-uid programs' % (entry.path, entry.fstype))
    if problems:
        raise IsolationError('the sandbox is incomplete: ' + '; '.join(problems[:5])
                             + ('; and %d more' % (len(problems) - 5) if len(problems) > 5 else ''))


# ---------------------------------------------------------------- user namespaces

# seccomp: a filter every learner process inherits (it survives execve, and no
# process can remove it) refusing new user namespaces. In one, a process gets
# every capability over what it creates: as root it could map uid 0, mount the
# cgroup file system itself and raise its own session's limits (root without
# capabilities still owns the cgroup files); as anyone it reaches far more of
# the kernel. unshare and clone with CLONE_NEWUSER fail with EPERM; clone3,
# whose flags a filter cannot read, fails with ENOSYS (C libraries then fall
# back to clone); on x86-64 the x32 system calls, which a filter on the
# native numbers would miss, fail too.
_SECCOMP_ARCH = {
    # machine: (AUDIT_ARCH, clone, unshare, clone3, x32 bit)
    'x86_64': (0xC000003E, 56, 272, 435, 0x40000000),
    'aarch64': (0xC00000B7, 220, 97, 435, None),
}
CLONE_NEWUSER = 0x10000000


def _seccomp_program(machine):
    arch, clone, unshare, clone3, x32 = _SECCOMP_ARCH[machine]
    LD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
    ALLOW, KILL = 0x7FFF0000, 0x80000000
    EPERM, ENOSYS = 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
    # (code, jump if true, jump if false, k); jumps count the instructions skipped.
    prog = [
        (LD, 0, 0, 4),                    # 0: architecture
        (JEQ, 1, 0, arch),                # 1: native -> 3
        (RET, 0, 0, KILL),                # 2: another ABI (32-bit calls on a 64-bit kernel)
        (LD, 0, 0, 0),                    # 3: system call number
        (JGE, 7, 0, x32 if x32 else 0xFFFFFFFF),  # 4: x32 -> 12
        (JEQ, 3, 0, unshare),             # 5: unshare -> 9
        (JEQ, 2, 0, clone),               # 6: clone -> 9
        (JEQ, 3, 0, clone3),              # 7: clone3 -> 11
        (RET, 0, 0, ALLOW),               # 8
        (LD, 0, 0, 16),                   # 9: flags (first argument, low 32 bits)
        (JSET, 1, 2, CLONE_NEWUSER),      # 10: CLONE_NEWUSER -> 12, else -> 13
        (RET, 0, 0, ENOSYS),              # 11: clone3
        (RET, 0, 0, EPERM),               # 12
        (RET, 0, 0, ALLOW),               # 13
    ]
    return prog


def refuse_user_namespaces():
    """Installs the seccomp filter above (no_new_privs must be set)."""
    machine = os.uname().machine
    if machine not in _SECCOMP_ARCH:
        raise IsolationError('cannot refuse user namespaces on %s: no seccomp filter for this architecture' % machine)
    prog = _seccomp_program(machine)

    class SockFilter(ctypes.Structure):
        _fields_ = [('code', ctypes.c_uint16), ('jt', ctypes.c_uint8), ('jf', ctypes.c_uint8), ('k', ctypes.c_uint32)]

    class SockFprog(ctypes.Structure):
        _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.POINTER(SockFilter))]

    filters = (SockFilter * len(prog))(*[SockFilter(*ins) for ins in prog])
    fprog = SockFprog(len(prog), filters)
    libc = _libc()
    PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise IsolationError('cannot install the seccomp filter refusing user namespaces: %s' % os.strerror(err))
    # Proof: a new user namespace is refused now (the filter holds).
    if libc.unshare(CLONE_NEWUSER) == 0 or ctypes.get_errno() != errno.EPERM:
        raise IsolationError('the seccomp filter does not refuse new user namespaces')


# ---------------------------------------------------------------- capabilities and user

def drop_capabilities(user=None):
    """Sets no_new_privs, empties the bounding set, switches to `user`
    ({uid, gid}, e.g. nobody, as bubblewrap does) when given, empties every
    capability set, refuses new user namespaces (seccomp), then checks the
    result in /proc/self/status."""
    libc = _libc()
    PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 24, 47, 4
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise IsolationError('cannot set no_new_privs: %s' % os.strerror(ctypes.get_errno()))
    try:
        with open('/proc/sys/kernel/cap_last_cap') as f:
            last = int(f.read())
    except (OSError, ValueError):
        last = 63
    for cap in range(last + 1):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise IsolationError('cannot drop capability %d: %s' % (cap, os.strerror(ctypes.get_errno())))
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)  # absent before Linux 4.3; checked below
    if user is not None:
        uid, gid = int(user['uid']), int(user['gid'])
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
        except OSError as exc:
            raise IsolationError('cannot switch to uid %d: %s' % (uid, exc))
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or os.getgroups():
            raise IsolationError('the switch to uid %d did not take' % uid)

    class Header(ctypes.Structure):
        _fields_ = [('version', ctypes.c_uint32), ('pid', ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [('effective', ctypes.c_uint32), ('permitted', ctypes.c_uint32), ('inheritable', ctypes.c_uint32)]

    header = Header(0x20080522, 0)
    data = (Data * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        raise IsolationError('cannot drop capabilities: %s' % os.strerror(ctypes.get_errno()))
    refuse_user_namespaces()
    with open('/proc/self/status') as f:
        status = dict(line.split(':', 1) for line in f if ':' in line)
    for key in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'):
        if key in status and int(status[key].strip(), 16) != 0:
            raise IsolationError('capabilities remain after dropping them (%s %s)' % (key, status[key].strip()))
    if status.get('NoNewPrivs', '1').strip() != '1':
        raise IsolationError('no_new_privs is not set')
    if status.get('Seccomp', '2').strip() != '2':
        raise IsolationError('the seccomp filter is not in place')


# ---------------------------------------------------------------- one-shot commands: run, then hand files back

def send_frame(header, payload=b'', fd=4):
    head = json.dumps(header).encode('utf-8')
    data = struct.pack('<II', len(head), len(payload)) + head + payload
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _open_inside(root_fd, rel):
    """`rel` under the folder `root_fd`, opened without following any link
    and without blocking; None when it is missing or a link on the way."""
    parts = [p for p in rel.split('/') if p]
    if not parts or any(p in ('.', '..') for p in parts):
        return None
    fd = os.dup(root_fd)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC, dir_fd=fd)
    except OSError:
        return None
    finally:
        os.close(fd)


def send_exports(root, exports, fd=4):
    """Sends each of `exports` ({path: relative to `root`, maxBytes}) as an
    `export` frame: its bytes when it is a regular file within its cap,
    otherwise why not (`size` over the cap, `refused`); nothing when missing."""
    root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for item in exports:
            rel, cap = str(item['path']), int(item['maxBytes'])
            f = _open_inside(root_fd, rel)
            if f is None:
                continue
            try:
                info = os.fstat(f)
                if not stat.S_ISREG(info.st_mode):
                    send_frame({'type': 'export', 'path': rel, 'refused': 'it is not a regular file'}, fd=fd)
                    continue
                if info.st_size > cap:
                    send_frame({'type': 'export', 'path': rel, 'size': info.st_size}, fd=fd)
                    continue
                chunks, size = [], 0
                while size <= cap:
                    chunk = os.read(f, min(1 << 20, cap + 1 - size))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                if size > cap:
                    send_frame({'type': 'export', 'path': rel, 'size': size}, fd=fd)
                else:
                    send_frame({'type': 'export', 'path': rel}, b''.join(chunks), fd=fd)
            finally:
                os.close(f)
    finally:
        os.close(root_fd)


def run_then_export(command, root, exports, child_setup=None):
    """Runs `command` in a child and waits for it; then, with every process it
    started gone, sends `exports` (files under `root`, the capped scratch
    tmpfs that only this mount namespace sees) on fd 4 as `export` frames,
    and an `exit` frame with the command's exit code or signal. So a one-shot
    command (a build, git) writes only on a capped tmpfs, never on the host's
    disk, and the grader still gets the few files it wants back, from this
    process, never from anything the command ran.

    The child runs `child_setup` (dropping every privilege), closes the
    protocol pipes and execs `command`. This process keeps its capabilities
    (as the init of the PID namespace at the namespaces level it kills what
    the command left with kill(-1)), is not dumpable and ignores SIGINT, so
    nothing the command runs can reach it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _libc().prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE 0
        raise IsolationError('cannot make the export process undumpable')
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            if child_setup is not None:
                child_setup()
            for fd in (3, 4):
                try:
                    os.close(fd)
                except OSError:
                    pass
            os.execv(command[0], command)
        except IsolationError as exc:
            try:
                send_frame({'type': 'fatal', 'message': 'isolation error: %s; learner code was not run' % exc})
            finally:
                os._exit(71)
        except BaseException as exc:  # noqa: BLE001 - the command could not start
            try:
                os.write(2, ('rubricate: cannot run %s: %s\n' % (command[0], exc)).encode('utf-8', 'replace'))
            finally:
                os._exit(127)
        os._exit(127)
    _, status = os.waitpid(pid, 0)
    while True:
        if os.getpid() == 1:
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.wait()
        except ChildProcessError:
            break
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    sig = signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else None
    if code != 71:
        send_exports(root, exports)
    send_frame({'type': 'exit', 'code': code, 'signal': sig})
    os._exit(code if code is not None else 128 + os.WTERMSIG(status))


# ---------------------------------------------------------------- in front of bubblewrap

def mount_capped(config):
    """Script form: mounts each CONFIG_JSON `tmpfs` entry ({path, bytes, inodes,
    uid, gid, copy}) over its path, copying what was there when `copy` is set."""
    mount = Mounter(config.get('test'))
    mount(None, '/', None, MS_REC | MS_PRIVATE)
    for item in config.get('tmpfs', []):
        path = item['path']
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            uid, gid = item.get('uid'), item.get('gid')
            capped_tmpfs(mount, path, item['bytes'], item['inodes'], mode=item.get('mode', '0700'), uid=uid, gid=gid)
            if item.get('copy'):
                try:
                    _copy_tree(fd, path, uid, gid)
                except OSError as exc:
                    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                        raise IsolationError('the submission does not fit the scratch file system (%d bytes, %d files)'
                                             % (item['bytes'], item['inodes']))
                    raise
        finally:
            os.close(fd)


def main(argv):
    if len(argv) < 4 or argv[2] != '--':
        sys.stderr.write('usage: sandbox_setup.py CONFIG_JSON -- COMMAND ARGS...\n')
        os._exit(64)
    config = {}
    try:
        config = json.loads(argv[1])
        mount_capped(config)
        # Root may install the filter without no_new_privs; bubblewrap and all it starts inherit it.
        refuse_user_namespaces()
        if config.get('exports') is not None:
            # A one-shot command (src/runner/sandbox-command.ts): bubblewrap in a child, then the files back.
            run_then_export(argv[3:], config['tmpfs'][0]['path'], config['exports'])
    except (IsolationError, OSError, ValueError, KeyError) as exc:
        sys.stderr.write('rubricate: isolation error: %s\n' % exc)
        if isinstance(config, dict) and config.get('exports') is not None:
            try:  # a one-shot command reads its setup failures on fd 4
                send_frame({'type': 'fatal', 'message': 'isolation error: %s; learner code was not run' % exc})
            except OSError:
                pass
        os._exit(71)
    os.execv(argv[3], argv[3:])


if __name__ == '__main__':
    main(sys.argv)
