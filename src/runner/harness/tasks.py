"""rubricate harness tasks: what the grader asks of a submission besides calling
its functions, run inside the sandbox by python_harness.py in `tasks` mode.

The harness process that serves these tasks never imports or runs learner
code itself: `static_facts` only parses (the `ast` module does not execute
what it parses), and `run_script` runs the learner's script in a forked child
that closes the control channel before any learner code runs (it compiles the
script and the learner's module files once, for all the runs: compiling runs
nothing of them). Results are
facts (imports, names used, function signatures; an exit status, the script's
output, how often it called the learner's functions); the grader applies the
rubric's rules to them.

Tasks (called like learner functions, one dict argument, one dict answer):

  static_facts({"files": [{"path": P, "text": T}], "names": [N...]})
      -> {"files": [{"path", "syntaxError"?, "imports", "uses", "functions"}]}
  run_script({"script": P, "module": P, "functions": {role: name},
              "mutant": None | "k-not-rotated" | "cos-sin-swapped" | "positions-shuffled",
              "timeoutMs": N, "outputBytes": N, "standIns": ["matplotlib"], "forceStandIns": bool})
      -> {"exit": code | None, "signal": name | None, "timedOut": bool, "cpuMs", "stdout", "stderr",
          "truncated", "traceback"?, "location"?, "exception"?, "missingModule"?,
          "standInFailed"?, "standInsUsed", "calls": {function name: n}, "mutantError"?}
"""

import ast
import functools  # noqa: F401  (imported once here: every script child inherits them)
import importlib.abc
import importlib.machinery
import importlib.util
import json
import linecache
import os
import re
import select
import signal
import sys
import time
import types
import warnings

_FACT_CAP = 5000  # imports or uses kept per file

# Set by the harness: its learner_traceback (frames in the submission only,
# paths relative to it) and the root of the submission's scratch copy.
learner_traceback = None
ROOT = None


# ---------------------------------------------------------------- static facts

class _Facts(ast.NodeVisitor):
    """Imports, uses of the names of interest, and top-level functions of one file.

    Names are resolved through the file's own aliases: `import numpy as np`,
    `from numpy import einsum as es`, `e = np.einsum` and `getattr(np, 'einsum')`
    all resolve to `numpy.einsum`."""

    def __init__(self, names):
        self.names = set(names)
        self.aliases = {}      # local name -> dotted origin
        self.imports = []
        self.uses = []
        self.functions = []
        self.bindings = []     # top-level `name = other` (a function defined by assignment)
        self.local = set()     # functions the file defines itself
        self.depth = 0

    # -- imports
    def _import(self, module, node, via):
        if len(self.imports) < _FACT_CAP and isinstance(module, str) and module:
            self.imports.append({'module': module, 'line': node.lineno, 'column': node.col_offset + 1, 'via': via})

    def visit_Import(self, node):
        for alias in node.names:
            self._import(alias.name, node, 'import')
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split('.')[0]
                self.aliases[top] = top
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        base = node.module or ''
        if node.level:
            base = '.' * node.level + base
        self._import(base, node, 'from')
        for alias in node.names:
            if alias.name == '*':
                continue
            origin = (base + '.' + alias.name) if base and not base.endswith('.') else base + alias.name
            self.aliases[alias.asname or alias.name] = origin
            # `from numpy import einsum` names the function already.
            self._use(node, origin, alias.asname or alias.name)
            if self.depth == 0 and node in self.top_level_imports:
                self.bindings.append({'name': alias.asname or alias.name, 'line': node.lineno,
                                      'column': node.col_offset + 1, 'value': None, 'imported': origin})
        self.generic_visit(node)

    # -- names
    def dotted(self, node):
        """The dotted origin of a Name/Attribute chain (or getattr(x, 'const')), else None."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return (base + '.' + node.attr) if base else node.attr
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'getattr'
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
            base = self.dotted(node.args[0])
            return (base + '.' + node.args[1].value) if base else node.args[1].value
        return None

    def _use(self, node, dotted, text):
        if len(self.uses) >= _FACT_CAP or not dotted:
            return
        if dotted.split('.')[-1] in self.names or dotted in self.names:
            self.uses.append({'name': dotted, 'text': text, 'line': node.lineno, 'column': node.col_offset + 1})

    def visit_Assign(self, node):
        # `e = np.einsum` or `e = getattr(np, 'einsum')`: e is an alias of numpy.einsum from here on.
        value = node.value
        is_getattr = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == 'getattr'
        origin = self.dotted(value) if isinstance(value, (ast.Name, ast.Attribute)) or is_getattr else None
        for target in node.targets:
            if isinstance(target, ast.Name):
                if origin:
                    self.aliases[target.id] = origin
                else:
                    self.aliases.pop(target.id, None)
                if self.depth == 0 and node in self.top_level_assigns:
                    self.bindings.append({'name': target.id, 'line': node.lineno, 'column': node.col_offset + 1,
                                          'value': value.id if isinstance(value, ast.Name) else None})
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if isinstance(node.ctx, ast.Load):
            dotted = self.dotted(node)
            if dotted and dotted.split('.')[-1] in self.names:
                self._use(node, dotted, _source_text(node))
                return  # the chain's inner parts are not separate uses
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in self.local and node.id not in self.aliases:
            return  # the file's own function of that name (a hand-written einsum is allowed)
        if isinstance(node.ctx, ast.Load) and node.id in self.aliases:
            origin = self.aliases[node.id]
            if origin != node.id or node.id in self.names:
                self._use(node, origin, node.id)
        elif isinstance(node.ctx, ast.Load) and node.id in self.names:
            self._use(node, node.id, node.id)

    def visit_Call(self, node):
        func = node.func
        name = self.dotted(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
        first = node.args[0] if node.args else None
        const = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        if name in ('__import__', 'builtins.__import__') and const:
            self._import(const, node, '__import__')
        elif name in ('importlib.import_module', 'importlib.__import__') and const:
            package = None
            for kw in node.keywords:
                if kw.arg == 'package' and isinstance(kw.value, ast.Constant):
                    package = kw.value.value
            self._import(const if not const.startswith('.') or not package else package + const, node, 'importlib')
        elif name in ('exec', 'eval', 'compile', 'builtins.exec', 'builtins.eval') and const:
            # Code in a constant string is code: its imports and uses count, at the call's place.
            try:
                inner = ast.parse(const)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                inner = None
            if inner is not None and self.depth < 3:
                sub = _Facts(self.names)
                sub.depth = self.depth + 1
                sub.aliases = dict(self.aliases)
                sub.visit(inner)
                for item in sub.imports:
                    self._import(item['module'], node, 'exec')
                for item in sub.uses:
                    self._use(node, item['name'], item['text'])
        if name == 'getattr':
            dotted = self.dotted(node)
            if dotted and dotted.split('.')[-1] in self.names:
                self._use(node, dotted, _source_text(node))
        self.generic_visit(node)

    # -- functions
    def _function(self, node):
        args = node.args
        params = []
        positional = list(getattr(args, 'posonlyargs', [])) + list(args.args)
        n_defaults = len(args.defaults)
        for i, a in enumerate(positional):
            params.append({'name': a.arg, 'kind': 'positional', 'default': i >= len(positional) - n_defaults})
        if args.vararg:
            params.append({'name': args.vararg.arg, 'kind': 'var-positional', 'default': True})
        for a, d in zip(args.kwonlyargs, args.kw_defaults):
            params.append({'name': a.arg, 'kind': 'keyword-only', 'default': d is not None})
        if args.kwarg:
            params.append({'name': args.kwarg.arg, 'kind': 'var-keyword', 'default': True})
        return params

    def visit_FunctionDef(self, node, is_async=False):
        self.local.add(node.name)
        self.aliases.pop(node.name, None)
        if self.depth == 0 and node in self.top_level:
            self.functions.append({'name': node.name, 'line': node.lineno, 'column': node.col_offset + 1,
                                   'params': self._function(node), 'async': is_async})
        self.generic_visit(node)

    def visit_AsyncFunctionDef(self, node):
        self.visit_FunctionDef(node, True)

    top_level = ()
    top_level_assigns = ()
    top_level_imports = ()


def _source_text(node):
    try:
        text = ast.unparse(node)
    except Exception:
        return ''
    return text if len(text) <= 120 else text[:117] + '...'


def _facts_of(path, text, names):
    out = {'path': path, 'imports': [], 'uses': [], 'functions': [], 'bindings': []}
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        out['syntaxError'] = {'message': '%s: %s' % (type(exc).__name__, exc.msg), 'line': exc.lineno or 1,
                              'column': exc.offset or 1}
        return out
    except (ValueError, RecursionError, MemoryError) as exc:
        out['syntaxError'] = {'message': 'the file could not be parsed (%s)' % type(exc).__name__, 'line': 1, 'column': 1}
        return out
    facts = _Facts(names)
    facts.top_level = set(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    facts.local = set(n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    facts.top_level_assigns = set(n for n in tree.body if isinstance(n, ast.Assign))
    facts.top_level_imports = set(n for n in tree.body if isinstance(n, ast.ImportFrom))
    try:
        facts.visit(tree)
    except RecursionError:
        out['syntaxError'] = {'message': 'the file is nested too deeply to analyse', 'line': 1, 'column': 1}
        return out
    out['imports'] = facts.imports
    out['uses'] = facts.uses
    out['functions'] = facts.functions
    out['bindings'] = facts.bindings[:_FACT_CAP]
    return out


def static_facts(request):
    names = [n for n in request.get('names', []) if isinstance(n, str)]
    files = []
    for item in request.get('files', []):
        if isinstance(item, dict) and isinstance(item.get('path'), str) and isinstance(item.get('text'), str):
            files.append(_facts_of(item['path'], item['text'], names))
    return {'files': files}


# ---------------------------------------------------------------- running a script

_STUB_FILE = __file__ if '__file__' in globals() else '<rubricate-stand-in>'


class _StandIn(object):
    """What a missing plotting library gives back: accepts any call, attribute,
    index or context; unpacks as two (fig, ax = plt.subplots())."""

    def __init__(self, name='stand-in'):
        object.__setattr__(self, '_name', name)

    def __getattr__(self, name):
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        return _StandIn(name)

    def __setattr__(self, name, value):
        pass

    def __call__(self, *args, **kwargs):
        return _StandIn(self._name)

    def __getitem__(self, key):
        return _StandIn(self._name)

    def __setitem__(self, key, value):
        pass

    def __iter__(self):
        return iter((_StandIn(self._name), _StandIn(self._name)))

    def __len__(self):
        return 2

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __bool__(self):
        return True

    def __repr__(self):
        return '<stand-in for %s>' % self._name


def _stand_in_on_failing_line(exc):
    """True when the statement that raised names a stand-in (`fig, ax, cb =
    plt.subplots(1, 3)` fails in the learner's line, not in the stand-in)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    frame = tb.tb_frame
    line = linecache.getline(frame.f_code.co_filename, tb.tb_lineno)
    for name in set(re.findall(r'[A-Za-z_][A-Za-z0-9_]*', line)):
        value = frame.f_locals.get(name, frame.f_globals.get(name))
        if isinstance(value, _StandIn) or getattr(type(value), '_rubricate_stand_in', False):
            return True
    return False


_INSTALLED = {}  # module name -> whether the interpreter has it (looked up once, in the parent)


def installed(name):
    if name not in _INSTALLED:
        try:
            _INSTALLED[name] = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            _INSTALLED[name] = False
    return _INSTALLED[name]


class _StandInModule(types.ModuleType):
    """A missing plotting library's module: every attribute is a stand-in."""
    _rubricate_stand_in = True

    def __getattr__(self, attr):
        if attr.startswith('__') and attr.endswith('__'):
            raise AttributeError(attr)
        return _StandIn(self.__name__ + '.' + attr)


# The import hooks' classes are made here, once, not in every script child
# (an importlib.abc class costs about 1 ms of a forked child's CPU to create).

class _StandInLoader(importlib.abc.Loader):
    def __init__(self, used):
        self.used = used

    def create_module(self, spec):
        self.used.add(spec.name.split('.')[0])
        module = _StandInModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


class _StandInFinder(importlib.abc.MetaPathFinder):
    def __init__(self, missing, used):
        self.missing = missing
        self.used = used

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split('.')[0] in self.missing:
            return importlib.machinery.ModuleSpec(fullname, _StandInLoader(self.used), is_package=True)
        return None


def _install_stand_ins(missing, used):
    """The modules of `missing` are served as stand-ins."""
    if missing:
        sys.meta_path.insert(0, _StandInFinder(missing, used))


def _mutate(module, functions, mutant, calls, mutant_errors):
    """Wraps the learner module's functions: counts their calls (by name), and
    applies the mutant to one of them (the learner's files are never touched)."""
    import numpy as np

    def wrap(name, change=None):
        original = module.__dict__.get(name)
        if type(original) is not types.FunctionType or getattr(original, '_rubricate_wrapped', False):
            return

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            calls[name] = calls.get(name, 0) + 1
            result = original(*args, **kwargs)
            if change is None:
                return result
            try:
                return change(result, args, kwargs)
            except Exception as exc:  # noqa: BLE001 - the mutant does not fit this code: say so
                mutant_errors.append('%s: %s' % (type(exc).__name__, exc))
                return result

        wrapper._rubricate_wrapped = True
        setattr(module, name, wrapper)

    def pair(result):
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TypeError('expected a pair, got %s' % type(result).__name__)
        return result

    def k_not_rotated(result, args, kwargs):
        q_rot, _ = pair(result)
        k = args[1] if len(args) > 1 else kwargs.get('k')
        if k is None:
            raise TypeError('no k argument')
        return type(result)((q_rot, np.array(k, copy=True)))

    def swapped(result, args, kwargs):
        cos, sin = pair(result)
        return type(result)((sin, cos))

    def shuffled(result, args, kwargs):
        cos, sin = pair(result)
        cos, sin = np.asarray(cos), np.asarray(sin)
        if cos.ndim < 1 or cos.shape[0] < 2:
            raise ValueError('a table of one row cannot be shuffled')
        # Rows in reverse order: every pair (m, n) then sees the wrong offset, including m = n.
        return type(result)((cos[::-1].copy(), sin[::-1].copy()))

    changes = {
        'k-not-rotated': ('apply', k_not_rotated),
        'cos-sin-swapped': ('precompute', swapped),
        'positions-shuffled': ('precompute', shuffled),
    }
    target = changes.get(mutant)
    mutated = functions.get(target[0]) if target else None
    for name, value in list(module.__dict__.items()):
        # The module's own functions (not those it imported): every call is counted.
        if type(value) is types.FunctionType and getattr(value, '__module__', None) == module.__name__:
            wrap(name, target[1] if name == mutated else None)


class _WatchLoader(importlib.abc.Loader):
    def __init__(self, inner, patch):
        self.inner = inner
        self.patch = patch

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        self.patch(module)


class _WatchFinder(importlib.abc.MetaPathFinder):
    """Finds modules as the path finder does; the learner's module gets a
    loader that patches it, and a learner file compiled ahead by the tasks
    process (`_CODE`) its code object instead of a compile."""

    def __init__(self, real, patch):
        self.real = real
        self.patch = patch

    def find_spec(self, fullname, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.origin and spec.loader is not None:
            origin = os.path.realpath(spec.origin)
            _use_compiled(spec.loader, origin)
            if origin == self.real:
                spec.loader = _WatchLoader(spec.loader, self.patch)
        return spec


def _watch_module(module_path, functions, mutant, calls, mutant_errors):
    """Patches the learner's module whenever the script imports it, under any name."""
    sys.meta_path.insert(0, _WatchFinder(os.path.realpath(module_path),
                                         lambda module: _mutate(module, functions, mutant, calls, mutant_errors)))


# ---------------------------------------------------------------- the learner's files, compiled once

# Every script child imports the learner's package, and the sandbox writes no
# bytecode, so each compiled it from source again. The tasks process compiles
# the learner's module, the __init__.py of its packages and the other files of
# its folder once (compiling runs nothing of them); a child uses a code object
# only where the source loader would compile exactly those bytes, so a file the
# script rewrote, or a loader that reads bytecode, behaves as before.
_CODE_FILE_CAP = 256 * 1024  # bytes of one file compiled ahead (larger ones compile in the child, as before)
_CODE_TOTAL_CAP = 1024 * 1024
_CODE_FILES_CAP = 32
_CODE = {}  # real path -> (source bytes, code object)
_CODE_DONE = set()  # modules whose files were looked at


def _learner_files(module_path):
    """The module, the other .py files of its folder and the __init__.py of the packages above it."""
    folder = os.path.dirname(module_path)
    files = [module_path]
    try:
        names = sorted(os.listdir(folder))[:256]
    except OSError:
        names = []
    files += [os.path.join(folder, n) for n in names if n.endswith('.py') and os.path.join(folder, n) != module_path]
    while folder != ROOT and folder.startswith(ROOT + os.sep):
        folder = os.path.dirname(folder)
        init = os.path.join(folder, '__init__.py')
        if not os.path.isfile(init):
            break
        files.append(init)
    return files


def _compile_learner_files(module_path):
    """Compiles (never runs) the learner's files near `module_path`, within caps."""
    module_path = os.path.realpath(module_path)
    if module_path in _CODE_DONE:
        return
    _CODE_DONE.add(module_path)
    total = sum(len(entry[0]) for entry in _CODE.values())
    for path in _learner_files(module_path):
        if len(_CODE) >= _CODE_FILES_CAP:
            return
        real = os.path.realpath(path)
        if real in _CODE or not real.startswith(ROOT + os.sep):
            continue
        try:
            with open(real, 'rb') as f:
                data = f.read(_CODE_FILE_CAP + 1)
        except OSError:
            continue
        if len(data) > _CODE_FILE_CAP or total + len(data) > _CODE_TOTAL_CAP:
            continue
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter('always')
                # As importlib's source loader compiles it (SourceLoader.source_to_code).
                code = compile(data, real, 'exec', dont_inherit=True, optimize=-1)
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
            continue  # the child compiles it and meets the error itself
        if caught:
            continue  # a compile-time warning (SyntaxWarning...) is the child's to show, or to raise under -W error
        _CODE[real] = (data, code)
        total += len(data)


def _renamed(code, path):
    """`code` with co_filename `path`, in its nested code objects too (as compile(data, path) would make it)."""
    consts = tuple(_renamed(c, path) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=path, co_consts=consts)


def _use_compiled(loader, origin):
    """In a script child: `loader` (the path finder's source loader of `origin`)
    takes the code compiled ahead instead of compiling the same bytes again."""
    entry = _CODE.get(origin)
    if entry is None or type(loader) is not importlib.machinery.SourceFileLoader:
        return
    original = loader.source_to_code

    def source_to_code(data, path, *, _optimize=-1):
        source, code = entry
        if _optimize == -1 and data == source:
            return code if code.co_filename == path else _renamed(code, path)
        return original(data, path, _optimize=_optimize)

    loader.source_to_code = source_to_code


def _warm_numpy_random():
    """Loads numpy.random here, once (a fork server has already): every script
    child inherits it instead of loading it and its 11 extension modules
    itself, about 40 ms of CPU a run when the script calls np.random."""
    try:
        import numpy.random  # noqa: F401
    except ImportError:
        pass


def _reseed_numpy_random():
    """In a script child: the legacy global generator it inherited gets fresh
    entropy, as it would in a fresh interpreter (no two runs share a stream)."""
    module = sys.modules.get('numpy.random')
    if module is not None:
        try:
            module.seed()
        except Exception:  # noqa: BLE001
            pass


def _script_child(request, compiled, missing, out_fd, err_fd, status_fd):
    """In the forked child: becomes its own process group, drops the control
    channel, then runs the learner's script as __main__."""
    os.setpgid(0, 0)
    for fd in (3, 4):
        try:
            os.close(fd)
        except OSError:
            pass
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.close(out_fd)
    os.close(err_fd)
    os.set_inheritable(status_fd, False)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _reseed_numpy_random()
    root = ROOT
    script = os.path.join(root, request['script'])
    calls = {}
    mutant_errors = []
    used = set()
    status = {'calls': calls}
    os.environ['MPLBACKEND'] = 'Agg'
    code = 0
    try:
        _install_stand_ins(missing, used)
        _watch_module(os.path.join(root, request['module']), request.get('functions', {}), request.get('mutant'), calls, mutant_errors)
        os.chdir(os.path.dirname(script))
        sys.argv = [script]
        sys.path.insert(0, os.path.dirname(script))
        # As `python verify.py` runs it: a fresh __main__ module.
        main = types.ModuleType('__main__')
        main.__dict__.update({'__file__': script, '__cached__': None, '__loader__': None, '__package__': None,
                              '__spec__': None, '__builtins__': __builtins__})
        sys.modules['__main__'] = main
        exec(compiled, main.__dict__)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            try:
                sys.stderr.write(str(exc.code) + '\n')
            except Exception:
                pass
    except BaseException as exc:  # noqa: BLE001 - the script's own failure, reported
        code = 1
        describe = learner_traceback
        frames = []
        try:
            import traceback
            frames = traceback.extract_tb(exc.__traceback__)
        except Exception:
            pass
        if used and (frames and os.path.realpath(frames[-1].filename) == os.path.realpath(_STUB_FILE)
                     or _stand_in_on_failing_line(exc)):
            status['standInFailed'] = True
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            status['missingModule'] = exc.name
        status['exception'] = type(exc).__name__
        try:
            sys.stderr.write('%s: %s\n' % (type(exc).__name__, exc))
        except Exception:
            pass
        if callable(describe):
            try:
                text, location, summary = describe(exc)
                status['traceback'] = text
                if location:
                    status['location'] = location
            except Exception:
                pass
    status['standInsUsed'] = sorted(used)
    if mutant_errors:
        status['mutantError'] = mutant_errors[0][:300]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    try:
        data = json.dumps(status).encode('utf-8')[:1 << 20]
        while data:
            data = data[os.write(status_fd, data):]
    except Exception:
        pass
    os._exit(code if 0 <= code < 256 else 1)


def _read_into(fd, buf, cap, state):
    try:
        data = os.read(fd, 1 << 16)
    except BlockingIOError:
        return True
    except OSError:
        return False
    if not data:
        return False
    room = cap - len(buf)
    if room > 0:
        buf += data[:room]
    if len(data) > max(room, 0):
        state['truncated'] = True
    return True


_COMPILED = {}  # script path -> code object, compiled once (compiling runs nothing)


def _compiled(script):
    """The script's code, read and compiled here once: later runs use the same
    code even if an earlier run rewrote the file; None with a SyntaxError."""
    if script not in _COMPILED:
        try:
            with open(script, 'rb') as f:
                _COMPILED[script] = (compile(f.read(), script, 'exec', dont_inherit=True), None)
        except SyntaxError as exc:
            _COMPILED[script] = (None, exc)
        except (OSError, ValueError) as exc:
            _COMPILED[script] = (None, exc)
    return _COMPILED[script]


def run_script(request):
    """Runs the learner's script (verify.py) in a forked child against their
    module, possibly mutated; returns its exit, output and what it called."""
    timeout = max(0.1, float(request.get('timeoutMs', 30000)) / 1000.0)
    script = os.path.join(ROOT, request['script'])
    code, problem = _compiled(script)
    if code is None:
        result = {'exit': 1, 'signal': None, 'timedOut': False, 'truncated': False, 'stdout': '', 'calls': {},
                  'standInsUsed': [], 'cpuMs': 0, 'exception': type(problem).__name__}
        text, location, summary = learner_traceback(problem)
        result['stderr'] = summary
        result['traceback'] = text
        if isinstance(problem, SyntaxError) and problem.lineno:
            location = {'file': request['script'], 'line': problem.lineno}
            if problem.offset:
                location['column'] = problem.offset
        if location:
            result['location'] = location
        return result
    force = bool(request.get('forceStandIns'))
    missing = set(name for name in request.get('standIns', []) if force or not installed(name))
    cap = int(request.get('outputBytes', 256 * 1024))
    pipes = [os.pipe() for _ in range(3)]
    for r, _ in pipes:
        os.set_inheritable(r, False)
    sys.stdout.flush()
    sys.stderr.flush()
    # As the fork server does: what this process holds goes to the permanent
    # generation, so the child's collections do not copy the pages it shares with us.
    import gc
    _warm_numpy_random()
    _compile_learner_files(os.path.join(ROOT, request['module']))
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        try:
            for r, _ in pipes:
                os.close(r)
            _script_child(request, code, missing, pipes[0][1], pipes[1][1], pipes[2][1])
        finally:
            os._exit(70)
    for _, w in pipes:
        os.close(w)
    out, err, stat = bytearray(), bytearray(), bytearray()
    state = {'truncated': False}
    open_fds = {pipes[0][0]: out, pipes[1][0]: err, pipes[2][0]: stat}
    for fd in open_fds:
        os.set_blocking(fd, False)
    deadline = time.monotonic() + timeout
    timed_out = False
    status = None
    usage = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        if open_fds:
            ready, _, _ = select.select(list(open_fds), [], [], min(left, 0.05))
            for fd in ready:
                buf = open_fds[fd]
                if not _read_into(fd, buf, cap if buf is not stat else 1 << 20, state):
                    os.close(fd)
                    del open_fds[fd]
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if not open_fds:
            time.sleep(0.01)
    if timed_out:
        for sig in (signal.SIGKILL,):
            try:
                os.killpg(pid, sig)
            except OSError:
                pass
        try:
            _, status, usage = os.wait4(pid, 0)
        except ChildProcessError:
            status = None
    # What is left in the pipes (the child is gone; its descendants are killed with it).
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    for fd, buf in list(open_fds.items()):
        while _read_into(fd, buf, cap if buf is not stat else 1 << 20, state):
            if not select.select([fd], [], [], 0)[0]:
                break
        os.close(fd)
    result = {'exit': None, 'signal': None, 'timedOut': timed_out, 'truncated': state['truncated'],
              'stdout': out.decode('utf-8', 'replace'), 'stderr': err.decode('utf-8', 'replace')[-8192:],
              'calls': {}, 'standInsUsed': [],
              'cpuMs': round((usage.ru_utime + usage.ru_stime) * 1000) if usage is not None else None}
    if status is not None and not timed_out:
        if os.WIFEXITED(status):
            result['exit'] = os.WEXITSTATUS(status)
        elif os.WIFSIGNALED(status):
            result['signal'] = signal.Signals(os.WTERMSIG(status)).name
    try:
        child = json.loads(bytes(stat).decode('utf-8')) if stat else {}
    except ValueError:
        child = {}
    if isinstance(child, dict):
        for key in ('calls', 'traceback', 'location', 'exception', 'missingModule', 'standInFailed', 'standInsUsed', 'mutantError'):
            if key in child:
                result[key] = child[key]
    return result
