"""Python module -> Markdown as its documentation site shows it: docstrings
become prose (dedented), code goes in ```python fences. With --comments,
runs of full-line comments also become prose (labml.ai's annotated pages
render them beside the code)."""
import ast, re, sys, textwrap

src = open(sys.argv[1]).read()
comments = '--comments' in sys.argv
lines = src.split('\n')
tree = ast.parse(src)
doc_ranges = {}
for node in ast.walk(tree):
    if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            e = body[0]
            # The docstring as written (not evaluated: "\\frac" must stay), quotes removed.
            raw = '\n'.join(lines[e.lineno - 1:e.end_lineno])
            raw = re.sub(r'^\s*[rRuU]?(\"\"\"|\'\'\')', '', raw, count=1)
            raw = re.sub(r'(\"\"\"|\'\'\')\s*$', '', raw, count=1)
            first, _, rest = raw.partition('\n')
            doc_ranges[e.lineno - 1] = (e.end_lineno - 1, first.strip() + '\n' + textwrap.dedent(rest))
out, code = [], []
def flush():
    while code and not code[-1].strip(): code.pop()
    while code and not code[0].strip(): code.pop(0)
    if code:
        out.extend(['', '```python', *code, '```', ''])
    code.clear()
i = 0
while i < len(lines):
    if i in doc_ranges:
        end, text = doc_ranges[i]
        flush()
        out.extend(['', textwrap.dedent(text).strip('\n'), ''])
        i = end + 1
        continue
    s = lines[i].strip()
    if comments and s.startswith('#'):
        flush()
        para = []
        while i < len(lines) and lines[i].strip().startswith('#'):
            para.append(lines[i].strip()[1:].lstrip() if lines[i].strip() != '#' else '')
            i += 1
        out.extend(['', *para, ''])
        continue
    code.append(lines[i])
    i += 1
flush()
text = '\n'.join(out)
while '\n\n\n' in text: text = text.replace('\n\n\n', '\n\n')
sys.stdout.write(text.strip('\n') + '\n')
