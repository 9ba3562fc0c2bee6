"""rubricate namespace trampoline for harnesses not written in Python.

At the `namespaces` isolation level the Python harness makes its own mounts
private and read-only (scratch stays writable, /tmp is private) and drops every
capability before it imports learner code. Other harnesses (Node, Rust) are
started through this script so they get exactly the same setup:

    python3 -I -B ns_exec.py CONFIG_JSON -- COMMAND ARGS...

It runs the Python harness's own `setup_namespace()` and then replaces itself
with COMMAND, handing on the protocol pipes (fd 3 and 4). A command that
speaks no protocol (a compiler run by src/runner/sandbox-command.ts) gets
CONFIG_JSON `"pipes": false`: the pipes are closed before it starts, so
nothing it runs can write frames to the grader.
"""
import importlib.util
import os
import sys
import types

if len(sys.argv) < 4 or sys.argv[2] != '--':
    sys.stderr.write('usage: ns_exec.py CONFIG_JSON -- COMMAND ARGS...\n')
    os._exit(64)

command = sys.argv[3:]
sys.argv = [sys.argv[0], sys.argv[1]]
# The harness module imports NumPy for its own serving code, which runs only in
# the Python harness; the setup used here needs none of it. A stand-in saves
# the import (about 0.1 s, several times that on a loaded machine) for every
# Node, Rust or build command at this level.
sys.modules.setdefault('numpy', types.ModuleType('numpy'))
spec = importlib.util.spec_from_file_location(
    'rubricate_python_harness', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'python_harness.py'))
harness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harness)
try:
    harness.setup_namespace()
except OSError as exc:
    harness.send_frame({'type': 'fatal', 'message': 'sandbox setup failed: %s' % exc})
    os._exit(71)
for fd in (harness.IN_FD, harness.OUT_FD):
    if harness._config.get('pipes', True) is False:
        os.close(fd)
    else:
        os.set_inheritable(fd, True)
os.execv(command[0], command)
