"""rubricate namespace trampoline for harnesses not written in Python.

At the `namespaces` isolation level the Python harness makes its own mounts
private and read-only (scratch on a capped tmpfs, /tmp private, a private
/dev, no /sys) and drops every capability before it imports learner code.
Other harnesses (Node, Rust) are started through this script so they get
exactly the same setup:

    python3 -I -S -B ns_exec.py CONFIG_JSON -- COMMAND ARGS...

It runs `setup_namespace()` of sandbox_setup.py (standard library only: no
NumPy is needed to grade Node or Rust code) and then replaces itself with
COMMAND, handing on the protocol pipes (fd 3 and 4). When the setup fails it
sends a `fatal` frame on fd 4 and exits: COMMAND never runs. A command that
speaks no protocol (a compiler run by src/runner/sandbox-command.ts) gets
CONFIG_JSON `"pipes": false`: the pipes are closed before it starts, so
nothing it runs can write frames to the grader. With CONFIG_JSON `exports`
(one-shot commands) it runs COMMAND in a child and stays the namespace's init
(sandbox_setup.run_then_export): scratch is a capped tmpfs, and the files the
grader wants back come as `export` frames from this process.
"""
import importlib.util
import json
import os
import struct
import sys

IN_FD, OUT_FD = 3, 4

if len(sys.argv) < 4 or sys.argv[2] != '--':
    sys.stderr.write('usage: ns_exec.py CONFIG_JSON -- COMMAND ARGS...\n')
    os._exit(64)


def fatal(message):
    head = json.dumps({'type': 'fatal', 'message': message}).encode('utf-8')
    try:
        os.write(OUT_FD, struct.pack('<II', len(head), 0) + head)
    except OSError:
        sys.stderr.write('rubricate: %s\n' % message)
    os._exit(71)


command = sys.argv[3:]
spec = importlib.util.spec_from_file_location(
    'rubricate_sandbox_setup', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sandbox_setup.py'))
sandbox = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sandbox)
config = json.loads(sys.argv[1])
exports = config.get('exports')
if exports is not None:
    # A one-shot command (a build, git): scratch is a capped tmpfs like a session's, the command
    # runs in a child with every privilege dropped, and this process, the namespace's init, hands
    # the files the grader wants back on fd 4 once everything the command started is dead.
    user = config.get('user') if isinstance(config.get('user'), dict) else None

    def child_setup():
        sandbox.drop_capabilities(user)
        try:
            os.chdir(config.get('cwd') or config['root'])
        except OSError as exc:
            raise sandbox.IsolationError('cannot enter the scratch folder: %s' % exc)

    try:
        sandbox.setup_namespace(config, drop=False)
        sandbox.run_then_export(command, config['scratch'], exports, child_setup)
    except sandbox.IsolationError as exc:
        fatal('isolation error: %s; learner code was not run' % exc)
    except OSError as exc:
        fatal('isolation error: %s; learner code was not run' % exc)
try:
    sandbox.setup_namespace(config)
    # The folder the process started in is now under the scratch tmpfs: enter the copy.
    os.chdir(config.get('cwd') or config['root'])
except sandbox.IsolationError as exc:
    fatal('isolation error: %s; learner code was not run' % exc)
except OSError as exc:
    fatal('isolation error: cannot enter the scratch folder: %s; learner code was not run' % exc)
for fd in (IN_FD, OUT_FD):
    if config.get('pipes', True) is False:
        os.close(fd)
    else:
        os.set_inheritable(fd, True)
os.execv(command[0], command)
