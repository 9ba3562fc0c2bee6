"""The check an instructor would write by hand for Lab 02: import the learner's
rope.py in a fresh interpreter and test the relative-position property and norm
preservation (Blocks B and D). One process per submission; prints one JSON line.
No sandbox, no diagnosis, no write-up or manifest checks."""
import importlib.util
import json
import os
import sys

import numpy as np

root = sys.argv[1]
result = {"submission": os.path.basename(root.rstrip("/")), "relative_position": False, "norm": False}
try:
    path = next(p for p in (os.path.join(root, "src/minimodel/positional/rope.py"), os.path.join(root, "rope.py")) if os.path.exists(p))
    spec = importlib.util.spec_from_file_location("learner_rope", path)
    rope = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rope)
    d, T = 16, 32
    rng = np.random.default_rng(0)
    cos, sin = rope.precompute_rope(T, d, 10000.0)
    worst = 0.0
    for m, n in [(0, 0), (3, 1), (10, 4), (31, 0), (17, 17)]:
        q, k = rng.standard_normal(d), rng.standard_normal(d)
        lhs = rope.apply_rope_single(q, cos[m], sin[m]) @ rope.apply_rope_single(k, cos[n], sin[n])
        s = T - 1 - max(m, n)
        rhs = rope.apply_rope_single(q, cos[m + s], sin[m + s]) @ rope.apply_rope_single(k, cos[n + s], sin[n + s])
        worst = max(worst, abs(lhs - rhs) / (np.linalg.norm(q) * np.linalg.norm(k)))
    result["relative_position"] = bool(worst < 1e-5)
    x = rng.standard_normal((T, d))
    qr, _ = rope.apply_rope(x, x, cos, sin)
    result["norm"] = bool(np.max(np.abs(np.linalg.norm(qr, axis=-1) - np.linalg.norm(x, axis=-1))) < 1e-5 * np.max(np.linalg.norm(x, axis=-1)))
except Exception as exc:  # noqa: BLE001 - a baseline reports, it does not crash
    result["error"] = f"{type(exc).__name__}: {exc}"
print(json.dumps(result))
