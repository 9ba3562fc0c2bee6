"""rubricate Python harness: imports one learner module and serves calls.

Speaks the rubricate runner protocol (docs/runner-protocol.md), version 1:
requests arrive on fd 3, answers leave on fd 4. Learner output on fd 1 and 2
goes to the grader's capture pipes and is never read as a result.

Usage: python -I -u python_harness.py CONFIG_JSON
CONFIG_JSON: {"root": <submission copy>, "module": <relative .py path>,
              "limits": {...}, "setup": "none" | "namespaces", "scratch": <dir>}

This file runs inside the sandbox with learner code in the same process: it
holds no secrets (the grader never sends expected values).
"""

import importlib
import importlib.util
import json
import math
import os
import platform
import select
import struct
import sys
import threading
import _thread
import time
import traceback
import types
# Everything the harness uses is imported before the learner's folder joins
# sys.path, so a learner file named traceback.py cannot replace ours.
try:
    import resource
except ImportError:  # not on every platform
    resource = None

PROTOCOL = 1
IN_FD = 3
OUT_FD = 4
PREFIX = struct.Struct('<II')
REPR_CAP = 200
DEPTH_CAP = 32

_config = json.loads(sys.argv[1])
_limits = _config.get('limits', {})
_answer_cap = int(_limits.get('answerBytes', 64 * 1024 * 1024))
_root = os.path.realpath(_config['root'])

# The control pipes must not leak into processes the learner starts.
for _fd in (IN_FD, OUT_FD):
    try:
        os.set_inheritable(_fd, False)
    except OSError:
        sys.stderr.write('rubricate harness: control pipes missing\n')
        os._exit(70)


# ---------------------------------------------------------------- framing

# One call is in flight at a time, so the grader's next frame is never there
# before our answer: reading ahead into a buffer is safe, and a small request
# (prefix, header and payload) usually takes one read instead of three.
_READ_CHUNK = 1 << 16
_inbuf = bytearray(_READ_CHUNK)
_inview = memoryview(_inbuf)
_instart = 0
_inend = 0


def _fill(need):
    """Ensures `need` unread bytes in the buffer (grown if needed); False at end of input."""
    global _inbuf, _inview, _instart, _inend
    if _inend - _instart >= need:
        return True
    if _instart == _inend:
        _instart = _inend = 0
    elif _instart + need > len(_inbuf):
        # Move the unread bytes to the front (or into a bigger buffer).
        pending = _inend - _instart
        if need > len(_inbuf):
            grown = bytearray(need)
            grown[:pending] = _inview[_instart:_inend]
            _inbuf, _inview = grown, memoryview(grown)
        else:
            _inview[:pending] = _inview[_instart:_inend]
        _instart, _inend = 0, pending
    while _inend - _instart < need:
        n = os.readv(IN_FD, [_inview[_inend:]])
        if not n:
            return False
        _inend += n
    return True


def _take(n):
    global _instart
    data = _inview[_instart:_instart + n]
    _instart += n
    return data


def _read_payload(n):
    """The payload as its own bytes (arrays are decoded from it after the buffer is reused)."""
    global _instart, _inend
    have = min(n, _inend - _instart)
    if n > len(_inbuf):
        # A large payload is read straight into its own buffer, no second copy.
        payload = bytearray(n)
        view = memoryview(payload)
        view[:have] = _inview[_instart:_instart + have]
        _instart += have
        while have < n:
            got = os.readv(IN_FD, [view[have:]])
            if not got:
                return None
            have += got
        return payload
    if not _fill(n):
        return None
    return bytes(_take(n))


def read_frame():
    if not _fill(PREFIX.size):
        return None, None
    hlen, plen = PREFIX.unpack(_take(PREFIX.size))
    if not _fill(hlen):
        return None, None
    header = json.loads(str(_take(hlen), 'utf-8'))
    payload = _read_payload(plen) if plen else b''
    if payload is None:
        return None, None
    return header, payload


_IOV_MAX = 512


def _write_all(chunks):
    """Writes the chunks in order, as few writev calls as the kernel allows."""
    views = [memoryview(c).cast('B') for c in chunks]
    views = [v for v in views if v.nbytes]
    while views:
        written = os.writev(OUT_FD, views[:_IOV_MAX])
        # Drop what went out; a partial write leaves the rest of a chunk first.
        while written and views:
            size = views[0].nbytes
            if written >= size:
                written -= size
                views.pop(0)
            else:
                views[0] = views[0][written:]
                written = 0


_send_lock = threading.Lock()


def send_frame(header, payload=()):
    """`payload`: bytes, or a sequence of byte-like chunks written one after
    the other (array memory goes out without being joined or copied)."""
    with _send_lock:
        _send_frame_locked(header, payload)


def _send_frame_locked(header, payload):
    chunks = [payload] if isinstance(payload, (bytes, bytearray, memoryview)) else list(payload)
    size = sum(memoryview(c).nbytes for c in chunks)
    head = json.dumps(header, allow_nan=False, separators=(',', ':')).encode('utf-8')
    total = PREFIX.size + len(head) + size
    if total > _answer_cap:
        head = json.dumps({
            'type': 'failure', 'id': header.get('id'), 'kind': 'malformed',
            'message': 'the answer is %d bytes, over the limit of %d bytes' % (total, _answer_cap),
        }).encode('utf-8')
        chunks, size = [], 0
    # Pad the header to a multiple of 8 bytes (JSON allows trailing spaces):
    # the payload's arrays then stay 8-byte aligned in the grader's frame buffer.
    head += b' ' * (-(PREFIX.size + len(head)) % 8)
    _write_all([PREFIX.pack(len(head), size) + head] + chunks)


# ---------------------------------------------------------------- learner output

class OutputStream:
    """One of fd 1 and 2: learner writes land in a pipe that we forward as
    `output` frames on the answer channel, capped; the excess is read and
    dropped. Being on the same channel as the answers keeps output and results
    in order."""

    def __init__(self, fd, stream, cap):
        self.stream = stream
        self.cap = cap
        self.sent = 0
        self.dropped = 0
        self.open = True
        self.read_fd, write_fd = os.pipe()
        os.set_inheritable(self.read_fd, False)
        # Non-blocking: the relay thread and drain() race for the same bytes.
        os.set_blocking(self.read_fd, False)
        os.dup2(write_fd, fd)  # fd 1/2 stay inheritable: the learner's children write here too
        os.close(write_fd)

    def _forward(self, data):
        room = self.cap - self.sent
        keep = data[:max(0, room)]
        self.dropped += len(data) - len(keep)
        if keep:
            self.sent += len(keep)
            send_frame({'type': 'output', 'stream': self.stream, 'dropped': self.dropped}, keep)
        elif self.dropped and self.dropped == len(data):
            send_frame({'type': 'output', 'stream': self.stream, 'dropped': self.dropped})

    def pump(self):
        """Forwards what the pipe holds now (caller holds the relay's lock)."""
        while True:
            try:
                data = os.read(self.read_fd, 1 << 20)
            except BlockingIOError:
                return
            if not data:
                self.open = False  # every writer is gone
                return
            self._forward(data)
            if len(data) < 1 << 20:
                return


class OutputRelay:
    """Both output pipes, read by one thread while learner code runs (so a
    learner printing more than a pipe holds never blocks), and drained before
    each answer."""

    def __init__(self, cap):
        self.lock = threading.Lock()
        self.streams = [OutputStream(1, 'stdout', cap), OutputStream(2, 'stderr', cap)]
        self.poller = select.poll()
        for s in self.streams:
            self.poller.register(s.read_fd, select.POLLIN)
        self.by_fd = {s.read_fd: s for s in self.streams}
        # A bare thread: threading.Thread's bookkeeping and start handshake cost
        # about 0.5 ms and 80 page faults in a forked child. It never outlives
        # the process (the harness ends with os._exit).
        _thread.start_new_thread(self._loop, ())

    def _pump_ready(self, timeout):
        for fd, _ in self.poller.poll(timeout):
            stream = self.by_fd[fd]
            stream.pump()
            if not stream.open:
                self.poller.unregister(fd)
                del self.by_fd[fd]

    def _loop(self):
        waiter = select.poll()
        for s in self.streams:
            waiter.register(s.read_fd, select.POLLIN)
        while self.by_fd:
            try:
                ready = waiter.poll()
                with self.lock:
                    for fd, _ in ready:
                        stream = self.by_fd.get(fd)
                        if stream is None:
                            waiter.unregister(fd)
                            continue
                        stream.pump()
                        if not stream.open:
                            waiter.unregister(fd)
                            self.poller.unregister(fd)
                            del self.by_fd[fd]
            except OSError:
                return

    def drain(self):
        """Forwards whatever is still in the pipes (called before each answer):
        one poll, and reads only from a pipe that holds something. Taking the
        lock first waits for bytes the thread has read but not yet sent."""
        with self.lock:
            if self.by_fd:
                self._pump_ready(0)


_relay = None


def capture_output():
    global _relay
    cap = int(_limits.get('outputBytes', 128 * 1024)) // 2
    _relay = OutputRelay(cap)


# ---------------------------------------------------------------- limits and isolation

# A fork server hands its children the libc it loaded (loading it again costs about 0.3 ms a child).
_libc_handle = globals().get('RUBRICATE_LIBC')


def _libc():
    # libc.so.6 first: ctypes.util.find_library runs `ldconfig -p`, a process per session.
    global _libc_handle
    if _libc_handle is None:
        import ctypes
        try:
            _libc_handle = ctypes.CDLL('libc.so.6', use_errno=True)
        except OSError:
            import ctypes.util
            _libc_handle = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
    return _libc_handle


def become_subreaper():
    """Orphans of the learner (setsid escapes) are re-parented to us, not to init."""
    try:
        _libc().prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except Exception:
        pass


def load_sandbox_setup():
    """The namespace setup (sandbox_setup.py beside this file), loaded by path:
    the learner's folder is not on sys.path yet, and nothing of it is imported."""
    spec = importlib.util.spec_from_file_location(
        'rubricate_sandbox_setup', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sandbox_setup.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LimitError(Exception):
    """A resource limit could not be applied: learner code must not run."""


def apply_limits():
    """Soft and hard limits (learner code without CAP_SYS_RESOURCE cannot raise
    a hard limit). A limit that cannot be set raises LimitError; a hard limit
    the grader already runs under that is lower than asked is kept (stricter)."""
    if resource is None:
        raise LimitError('the resource module is missing: no resource limit can be applied')

    def setlimit(name, which, value, grace=0):
        try:
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY and value + grace > hard:
                value, grace = hard, 0
            resource.setrlimit(which, (value, value + grace))
        except (ValueError, OSError) as exc:
            raise LimitError('cannot set %s to %d: %s' % (name, value, exc))

    if 'memoryBytes' in _limits:
        setlimit('RLIMIT_AS', resource.RLIMIT_AS, int(_limits['memoryBytes']))
    if 'cpuSeconds' in _limits:
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime) + 1
        # Soft limit: SIGXCPU (reported as a CPU limit); the hard limit one second later is SIGKILL.
        setlimit('RLIMIT_CPU', resource.RLIMIT_CPU, int(_limits['cpuSeconds']) + spent, 1)
    if 'fileSizeBytes' in _limits:
        setlimit('RLIMIT_FSIZE', resource.RLIMIT_FSIZE, int(_limits['fileSizeBytes']))
    if 'processes' in _limits:
        setlimit('RLIMIT_NPROC', resource.RLIMIT_NPROC, int(_limits['processes']))
    setlimit('RLIMIT_CORE', resource.RLIMIT_CORE, 0)


# ---------------------------------------------------------------- values

import numpy as np  # noqa: E402  (after the fd checks, before any learner code)


_WIRE = {}  # dtype -> (wire code, dtype name, how to convert) or None; dtype.name is slow to compute


def _wire_spec(dt):
    spec = _WIRE.get(dt)
    if spec is None and dt not in _WIRE:
        name = dt.name
        kind = dt.kind
        if kind == 'f':
            spec = {8: ('<f8', name, 'view'), 4: ('<f4', name, 'view'), 2: ('<f4', name, 'copy')}.get(dt.itemsize, ('<f8', name, 'copy'))
        elif kind == 'c':
            spec = ('<f8', name, 'complex')
        elif kind == 'b':
            spec = ('|u1', 'bool', 'copy')
        elif kind in 'iu':
            if name in ('int8', 'uint8'):
                spec = ('|i1' if name == 'int8' else '|u1', name, 'same')
            elif name == 'int32':
                spec = ('<i4', name, 'view')
            elif name in ('int16', 'uint16'):
                spec = ('<i4', name, 'copy')
            else:
                spec = ('<i8', name, 'view')
        _WIRE[dt] = spec
    return spec


def _wire_for(arr):
    """(wire dtype string, array converted to it, dtype name, complex flag) or None."""
    spec = _wire_spec(arr.dtype)
    if spec is None:
        return None
    code, name, how = spec
    if how == 'view':
        return code, arr.astype(code, copy=False), name, False
    if how == 'copy':
        return code, arr.astype(code), name, False
    if how == 'same':
        return code, arr, name, False
    as128 = arr.astype('<c16', copy=False)
    return '<f8', as128.view('<f8') if as128.flags.c_contiguous else np.ascontiguousarray(as128).view('<f8'), name, True


class Encoder:
    def __init__(self, kept=None):
        self.chunks = []
        self.size = 0
        self.kept = kept or {}
        # The arrays encoded so far, in answer order (aliases are reported for these, as the Node harness does).
        self.arrays = []

    def array(self, arr):
        wire = _wire_for(arr)
        if wire is None:
            return self.opaque(arr)
        code, converted, name, is_complex = wire
        self.arrays.append(arr)
        # The array's own memory when it is contiguous (no copy); a contiguous copy otherwise.
        contiguous = np.ascontiguousarray(converted)
        data = memoryview(contiguous).cast('B') if contiguous.size else b''
        pad = (-self.size) % 8
        if pad:
            self.chunks.append(b'\0' * pad)
            self.size += pad
        offset = self.size
        self.chunks.append(data)
        self.size += len(data)
        if self.size > _answer_cap:
            raise OverflowError('payload over the answer limit')
        spec = {'dtype': name, 'wire': code, 'shape': list(arr.shape), 'offset': offset, 'nbytes': len(data)}
        if is_complex:
            spec['complex'] = True
        if id(arr) in self.kept:
            spec['kept'] = self.kept[id(arr)]
        return {'$nd': spec}

    def opaque(self, obj):
        try:
            text = repr(obj)
        except BaseException:
            text = '<unrepresentable>'
        if len(text) > REPR_CAP:
            text = text[:REPR_CAP] + '...'
        return {'$opaque': {'type': type(obj).__module__ + '.' + type(obj).__qualname__
                            if type(obj).__module__ not in ('builtins',) else type(obj).__qualname__,
                            'repr': text}}

    def value(self, obj, depth=0):
        if depth > DEPTH_CAP:
            return self.opaque(obj)
        if type(obj) is np.ndarray:
            return self.array(obj)
        if obj is None or isinstance(obj, (bool, np.bool_)):
            return None if obj is None else bool(obj)
        if isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
            return int(obj)
        if isinstance(obj, (float, np.floating)):
            x = float(obj)
            if x != x:
                return {'$float': 'nan'}
            if x in (float('inf'), float('-inf')):
                return {'$float': 'inf' if x > 0 else '-inf'}
            if x == 0.0 and str(x).startswith('-'):
                return {'$float': '-0'}
            return x
        if isinstance(obj, (complex, np.complexfloating)):
            return self.array(np.asarray(obj, dtype=np.complex128))
        if isinstance(obj, str):
            return obj if len(obj) <= 1 << 20 else obj[:1 << 20]
        if isinstance(obj, np.ndarray):
            return self.array(obj)
        if isinstance(obj, (tuple, list)):
            return [self.value(item, depth + 1) for item in obj]
        if isinstance(obj, dict):
            return {'$dict': {str(k): self.value(v, depth + 1) for k, v in obj.items()}}
        return self.opaque(obj)

    def payload(self):
        return self.chunks


# References (docs/runner-protocol.md): arrays this process kept from its own
# answers, and grader inputs a fork server holds for all its children. Each use
# gets a fresh float64 copy, as if the bytes had been sent.
_kept = {}
_shared = globals().get('RUBRICATE_SHARED') or {}


def _resolve(obj):
    ref = obj['$ref']
    source = _kept.get(ref) if not ref.startswith('shared:') else _shared.get(ref[len('shared:'):])
    if source is None:
        raise KeyError('unknown array reference %r' % ref)
    shape = [int(n) for n in obj.get('shape', [])]
    arr = np.array(source, dtype=np.float64)
    if arr.size != math.prod(shape):
        raise ValueError('array reference %r does not hold shape %r' % (ref, shape))
    return arr.reshape(shape)


def keep_answer(call_id, value, out=None):
    """Stores a float64 copy of every real floating array in an answer, taken
    before any other learner code runs; returns {id(array): ref}."""
    out = {} if out is None else out
    if isinstance(value, np.ndarray):
        if value.dtype.kind == 'f' and value.ndim > 0:
            ref = '%s:%d' % (call_id, len(out))
            _kept[ref] = np.array(value, dtype=np.float64)
            out[id(value)] = ref
    elif isinstance(value, (tuple, list)):
        for item in value:
            keep_answer(call_id, item, out)
    return out


def decode(obj, payload):
    if isinstance(obj, list):
        return [decode(item, payload) for item in obj]
    if isinstance(obj, dict):
        if '$ref' in obj:
            return _resolve(obj)
        if '$nd' in obj:
            spec = obj['$nd']
            wire = np.dtype(spec['wire'])
            flat = np.frombuffer(payload, dtype=wire, count=spec['nbytes'] // wire.itemsize, offset=spec['offset'])
            if spec.get('complex'):
                arr = flat.view('<c16').reshape(spec['shape'])
            else:
                arr = flat.reshape(spec['shape'])
            arr = arr.astype(np.dtype(spec['dtype']))  # always a fresh, writable copy
            if spec.get('scalar') or arr.ndim == 0:
                return arr[()]  # a NumPy scalar: np.float64 is a Python float
            return arr
        if '$float' in obj:
            return float(obj['$float'])
        if '$dict' in obj:
            return {k: decode(v, payload) for k, v in obj['$dict'].items()}
        raise ValueError('unknown tagged value')
    return obj


# ---------------------------------------------------------------- learner code

def _relative(path):
    # '<frozen importlib._bootstrap>', '<string>', '<stdin>' name no file (and a
    # relative name would otherwise resolve against the cwd, the submission).
    if not isinstance(path, str) or not path or path.startswith('<'):
        return None
    try:
        real = os.path.realpath(path)
    except (TypeError, ValueError):
        return None
    if real == _root or real.startswith(_root + os.sep):
        return os.path.relpath(real, _root).replace(os.sep, '/')
    return None


_HIDDEN_PATHS = tuple(sorted({p for p in (_root, os.path.realpath(_config.get('scratch') or _root), _config.get('scratch'))
                              if isinstance(p, str) and p}, key=len, reverse=True))


def hide_paths(text):
    """Paths of the scratch copy shown relative to the submission (the learner never sees where the grader works)."""
    for path in _HIDDEN_PATHS:
        text = text.replace(path + os.sep, '').replace(path, '.')
    return text


def _exception_summary(exc):
    if isinstance(exc, SyntaxError) and exc.filename:
        # Its printout names the file: the path relative to the submission, not the scratch copy's.
        shown = _relative(exc.filename) or os.path.basename(exc.filename)
        try:
            exc = type(exc)(exc.msg, (shown, exc.lineno, exc.offset, exc.text,
                                      getattr(exc, 'end_lineno', None), getattr(exc, 'end_offset', None)))
        except Exception:
            pass
    summary = hide_paths(''.join(traceback.format_exception_only(type(exc), exc)).strip())
    return summary[:2000] + '...' if len(summary) > 2000 else summary


def learner_traceback(exc):
    """The traceback of a learner's exception: only frames in the learner's
    files, paths relative to the submission, and where the last one points."""
    frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        rel = _relative(frame.filename)
        if rel is not None:
            frames.append((rel, frame.lineno, frame.name, frame.line, getattr(frame, 'colno', None)))
    lines = []
    for rel, lineno, name, code, _ in frames:
        lines.append('  File "%s", line %s, in %s' % (rel, lineno, name))
        if code:
            lines.append('    ' + code.strip())
    summary = _exception_summary(exc)
    text = ('Traceback (learner frames only):\n' + '\n'.join(lines) + '\n' if lines else '') + summary
    location = None
    if frames:
        rel, lineno, _, _, colno = frames[-1]
        location = {'file': rel, 'line': lineno}
        if isinstance(colno, int):
            location['column'] = colno + 1
    return text, location, summary


def module_name_for(rel):
    """Dotted name and sys.path entry: climb while the folder is a package."""
    path = os.path.join(_root, rel)
    folder = os.path.dirname(path)
    parts = [os.path.splitext(os.path.basename(path))[0]]
    while folder != _root and os.path.isfile(os.path.join(folder, '__init__.py')):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    return '.'.join(parts), folder


def import_learner():
    rel = _config['module']
    if not os.path.isfile(os.path.join(_root, rel)):
        return None, {'kind': 'import-error', 'message': '%s does not exist' % rel, 'location': {'file': rel}}
    name, entry = module_name_for(rel)
    for path in (_root, entry):
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        if '.' not in name and name in sys.modules:
            # A top-level learner file named like a module already loaded (json.py,
            # numpy.py...): load it from its path under a private name.
            spec = importlib.util.spec_from_file_location('_rubricate_learner_' + name, os.path.join(_root, rel))
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            return module, None
        return importlib.import_module(name), None
    except MemoryError as exc:
        text, location, summary = learner_traceback(exc)
        return None, {'kind': 'memory', 'message': 'importing %s ran out of memory' % rel,
                      'traceback': text, 'location': location}
    except SyntaxError as exc:
        file = _relative(exc.filename or '') or rel
        location = {'file': file}
        if exc.lineno:
            location['line'] = exc.lineno
        if exc.offset:
            location['column'] = exc.offset
        text, _, summary = learner_traceback(exc)
        return None, {'kind': 'import-error',
                      'message': '%s: %s at %s:%s' % (type(exc).__name__, exc.msg, file, exc.lineno),
                      'traceback': text, 'location': location}
    except SystemExit as exc:
        return None, {'kind': 'import-error', 'message': 'importing %s called exit(%r)' % (rel, exc.code),
                      'location': {'file': rel}}
    except BaseException as exc:
        text, location, summary = learner_traceback(exc)
        return None, {'kind': 'import-error', 'message': 'importing %s raised %s' % (rel, summary),
                      'traceback': text, 'location': location or {'file': rel}}


def definitions(module):
    """Where the module's functions are defined: {name: {file, line}} for the
    plain functions of its namespace that live in the learner's files (a
    decorated function by the function it wraps). Read from the code objects,
    so nothing of the learner's runs; locations only, never results."""
    out = {}
    try:
        items = list(vars(module).items())[:1000]
    except Exception:
        return out
    for name, obj in items:
        if not isinstance(name, str):
            continue
        for _ in range(8):
            if type(obj) is types.FunctionType:
                break
            try:
                obj = object.__getattribute__(obj, '__wrapped__')
            except Exception:
                break
        if type(obj) is not types.FunctionType:
            continue
        code = obj.__code__
        rel = _relative(code.co_filename)
        if rel is not None:
            out[name] = {'file': rel, 'line': code.co_firstlineno}
    return out


def _alias_index(arr, args):
    for index, arg in enumerate(args):
        if isinstance(arg, np.ndarray) and np.may_share_memory(arr, arg):
            try:
                if np.shares_memory(arr, arg, max_work=100000):
                    return index
            except np.exceptions.TooHardError if hasattr(np, 'exceptions') else Exception:
                return index
    return -1


def serve_call(module, header, payload):
    call_id = header.get('id')
    fn_name = header.get('fn')
    fn = getattr(module, fn_name, None) if isinstance(fn_name, str) else None
    if not callable(fn):
        send_frame({'type': 'failure', 'id': call_id, 'kind': 'missing-function',
                    'message': '%s has no function %s' % (_config['module'], fn_name),
                    'location': {'file': _config['module']}})
        return
    try:
        args = decode(header.get('args', []), payload)
        kwargs = decode(header.get('kwargs', {'$dict': {}}), payload)
    except Exception as exc:
        send_frame({'type': 'failure', 'id': call_id, 'kind': 'internal', 'message': 'bad request: %s' % exc})
        return
    start = time.perf_counter()
    try:
        result = fn(*args, **kwargs)
        duration = (time.perf_counter() - start) * 1000
    except MemoryError as exc:
        text, location, summary = learner_traceback(exc)
        _flush()
        send_frame({'type': 'failure', 'id': call_id, 'kind': 'memory',
                    'message': '%s ran out of memory (MemoryError)' % fn_name,
                    'traceback': text, 'location': location})
        return
    except SystemExit as exc:
        _flush()
        send_frame({'type': 'failure', 'id': call_id, 'kind': 'crash',
                    'message': '%s called exit(%r)' % (fn_name, exc.code)})
        return
    except BaseException as exc:
        text, location, summary = learner_traceback(exc)
        _flush()
        send_frame({'type': 'failure', 'id': call_id, 'kind': 'exception',
                    'message': '%s raised %s' % (fn_name, summary), 'traceback': text, 'location': location})
        return
    _flush()
    try:
        kept = keep_answer(call_id, result) if header.get('keep') else None
        encoder = Encoder(kept)
        answer = {'type': 'result', 'id': call_id, 'value': encoder.value(result), 'durationMs': duration}
        # The inputs after the call are reported, never kept.
        encoder.kept = {}
        if header.get('returnInputs'):
            answer['aliases'] = [_alias_index(arr, args) for arr in encoder.arrays]
            answer['inputsAfter'] = [encoder.value(arg) for arg in args]
    except OverflowError:
        send_frame({'type': 'failure', 'id': call_id, 'kind': 'malformed',
                    'message': 'the answer of %s is over the limit of %d bytes' % (fn_name, _answer_cap)})
        return
    except MemoryError:
        send_frame({'type': 'failure', 'id': call_id, 'kind': 'memory',
                    'message': 'encoding the answer of %s ran out of memory' % fn_name})
        return
    send_frame(answer, encoder.payload())


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    if _relay is not None:
        try:
            _relay.drain()
        except OSError:
            pass


def main():
    setup = _config.get('setup', 'none')
    if setup == 'namespaces':
        sandbox = load_sandbox_setup()
        try:
            sandbox.setup_namespace(_config)
        except sandbox.IsolationError as exc:
            send_frame({'type': 'fatal', 'message': 'isolation error: %s; learner code was not run' % exc})
            os._exit(71)
    else:
        become_subreaper()
    os.chdir(_config.get('cwd', _root))
    send_frame({'type': 'hello', 'protocol': PROTOCOL, 'language': 'python', 'features': ['refs'],
                'runtime': platform.python_version(), 'numpy': np.__version__, 'pid': os.getpid()})
    capture_output()
    try:
        apply_limits()
    except LimitError as exc:
        _flush()
        send_frame({'type': 'fatal', 'message': 'isolation error: %s; learner code was not run' % exc})
        os._exit(71)
    if _config.get('mode') == 'tasks':
        serve(load_tasks(), {})
        return
    module, failure = import_learner()
    _flush()
    if failure is not None:
        failure['type'] = 'import-failure'
        send_frame(failure)
        # Stay alive so the grader reads the failure; it closes us.
        while read_frame()[0] is not None:
            pass
        return
    serve(module, definitions(module))


def serve(module, defs):
    """Says ready, then answers calls into `module` until the grader says exit."""
    send_frame({'type': 'ready', 'definitions': defs})
    while True:
        header, payload = read_frame()
        if header is None or header.get('type') == 'exit':
            return
        if header.get('type') == 'call':
            serve_call(module, header, payload)
        else:
            send_frame({'type': 'failure', 'id': header.get('id'), 'kind': 'internal',
                        'message': 'unknown request type %r' % header.get('type')})


def load_tasks():
    """`tasks` mode: the grader's own tasks (tasks.py beside this file) instead
    of a learner module. No learner code runs in this process: learner scripts
    run in children that cannot reach the control channel, and this process is
    made undumpable so that they cannot read its memory or its descriptors."""
    try:
        _libc().prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
    except Exception:
        pass
    here = os.path.dirname(os.path.abspath(globals().get('__file__') or sys.argv[0]))
    code = globals().get('RUBRICATE_TASKS_CODE')  # compiled once by a fork server
    if code is not None:
        tasks = types.ModuleType('rubricate_tasks')
        tasks.__file__ = os.path.join(here, 'tasks.py')
        exec(code, tasks.__dict__)
    else:
        spec = importlib.util.spec_from_file_location('rubricate_tasks', os.path.join(here, 'tasks.py'))
        tasks = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tasks)
    tasks.learner_traceback = learner_traceback
    tasks.ROOT = _root

    class Tasks(object):
        static_facts = staticmethod(tasks.static_facts)
        run_script = staticmethod(tasks.run_script)
    return Tasks()


if __name__ == '__main__':
    main()
    _flush()
    os._exit(0)
