"""The type stubs (ragdb/__init__.pyi) match the code: every public function, class, method
and property in both, with the same parameters (names, kinds, which have defaults)."""
import ast
import inspect
import pathlib

import ragdb

STUB = pathlib.Path(ragdb.__file__).with_name("__init__.pyi")


def params(args: ast.arguments, skip_self):
    out = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for a, d in zip(positional, defaults):
        out.append((a.arg, "positional", d is not None))
    if args.vararg:
        out.append((args.vararg.arg, "var_positional", False))
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        out.append((a.arg, "keyword_only", d is not None))
    if args.kwarg:
        out.append((args.kwarg.arg, "var_keyword", False))
    return out[1:] if skip_self else out


def runtime_params(fn, skip_self):
    kinds = {inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
             inspect.Parameter.POSITIONAL_ONLY: "positional",
             inspect.Parameter.VAR_POSITIONAL: "var_positional",
             inspect.Parameter.KEYWORD_ONLY: "keyword_only",
             inspect.Parameter.VAR_KEYWORD: "var_keyword"}
    out = [(p.name, kinds[p.kind], p.default is not inspect.Parameter.empty)
           for p in inspect.signature(fn).parameters.values()]
    return out[1:] if skip_self else out


def stub_classes(tree):
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    members = {}
    for name, node in classes.items():
        own = {}
        for base in node.bases:  # declared subclasses inherit the declared methods
            if isinstance(base, ast.Name) and base.id in members:
                own.update(members[base.id])
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                own[item.name] = item
        members[name] = own
    return members


def test_stub_functions_match():
    tree = ast.parse(STUB.read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            assert params(node.args, False) == runtime_params(getattr(ragdb, node.name), False), \
                node.name


def test_stub_classes_match():
    tree = ast.parse(STUB.read_text())
    for cls_name, members in stub_classes(tree).items():
        cls = getattr(ragdb, cls_name)
        runtime_public = {n for n in dir(cls) if not n.startswith("_")}
        stub_public = {n for n in members if not n.startswith("_")}
        if cls_name == "Client":
            stub_public.discard("path")  # a folder embedded, the url over HTTP
        assert runtime_public == stub_public, cls_name
        for name, node in members.items():
            if cls_name == "Client" and name == "path":
                continue
            attr = inspect.getattr_static(cls, name)
            if isinstance(attr, property):
                assert any(isinstance(d, ast.Name) and d.id == "property"
                           for d in node.decorator_list), (cls_name, name)
                continue
            assert params(node.args, True) == runtime_params(getattr(cls, name), True), \
                (cls_name, name)


def test_stub_exports():
    tree = ast.parse(STUB.read_text())
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names if a.asname}
    assert set(ragdb.__all__) <= names
