"""The import graph of our own code: no cycles, dependencies one way, imports at the top.

Read from the source with ``ast``, imports at any depth (inside functions too), over
``articles/`` and ``newsroom/`` (migrations aside). The layers are the ones
docs/architecture.md draws; a new module must be given one here.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("articles", "newsroom", "interchange", "wires", "newsletters")

#: Bottom to top: a module may import its own layer and those below it, never above.
LAYERS = {
    "helpers": [
        "articles.text",
        "articles.persian",
        "articles.richtext",
        "articles.parser",
        "articles.uploads",
        "articles.storage",
        "articles.brevity",
        "articles.site",
        "articles.editions",
        "articles.templatetags.editions",
        "articles.outbound",
        "articles.purge",
        "articles.demo",
        "articles.middleware",
        "articles.templatetags.reader",
        "articles.conveniences",
        "articles.templatetags.conveniences",
    ],
    "models": [
        "articles.models",
        "articles.cache",
        "articles.notifications",
        "articles.snapshot",
        "articles.search",
        "articles.renditions",
        "articles.diff",
        "articles.live",
        "articles.rendering",
        "articles.structured",
    ],
    "workflow": ["articles.workflow", "articles.importer"],
    "interfaces": [
        "articles.admin",
        "articles.hardening",
        "articles.views",
        "articles.staff_views",
        "articles.comment_views",
        "articles.errors",
        "articles.comment_urls",
        "articles.feeds",
        "articles.sitemaps",
        "articles.forms",
        "articles.tasks",
        "articles.signals",
        "articles.apps",
        "articles.urls",
        "articles.staff_urls",
        "articles.preview_urls",
        "articles.context_processors",
        "articles.templatetags.desk",
        "articles.management",
        "newsroom",
    ],
    # The apps built on the stories: they listen to the workflow's signals; ``articles``
    # never imports them (only newsroom/ wires them in, by settings and URLs).
    "apps": ["interchange", "wires", "newsletters"],
}
ORDER = list(LAYERS)

#: Imports inside a function, each where Django requires one: (module, imported).
LATE_IMPORTS = {
    # AppConfig.ready() connects receivers once the models are loaded.
    ("articles.apps", "articles.signals"),
    ("articles.apps", "articles.tasks"),
    ("interchange.apps", "interchange.signals"),
}

#: Packages that only group modules: they hold no code to place in a layer.
CONTAINERS = {
    "articles",
    "articles.templatetags",
    "articles.management.commands",
    "interchange",
    "wires",
    "newsletters",
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _targets(module: str, node) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = module.split(".")
    if node.level:
        is_package = MODULES[module].name == "__init__.py"
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    return [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]


def _imports(module: str) -> list[tuple[str, bool]]:
    """(our module imported, whether at the top level) for every import in ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    edges = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for target in _targets(module, node):
                owner = _owner(target)
                # A module importing its own package is what Python does anyway.
                if owner and owner != module and not module.startswith(owner + "."):
                    edges.append((owner, id(node) in top))
    return edges


GRAPH = {module: {target for target, _ in _imports(module)} for module in MODULES}


def layer_of(module: str) -> str | None:
    for layer, prefixes in LAYERS.items():
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return layer
    return None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle_at_any_depth():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_every_module_has_a_layer():
    missing = [m for m in MODULES if m not in CONTAINERS and layer_of(m) is None]
    assert missing == [], "give these modules a layer in tests/test_architecture.py"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m not in CONTAINERS))
def test_dependencies_point_down(module):
    mine = ORDER.index(layer_of(module))
    upward = sorted(
        target
        for target in GRAPH[module]
        if target not in CONTAINERS and ORDER.index(layer_of(target)) > mine
    )
    assert upward == [], f"{module} ({ORDER[mine]}) imports from a layer above it"


def test_imports_are_at_the_top_except_where_django_requires():
    late = {
        (module, target) for module in MODULES for target, at_top in _imports(module) if not at_top
    }
    assert late == LATE_IMPORTS


def test_the_stories_never_import_the_apps_built_on_them():
    offenders = [
        module
        for module in MODULES
        if module.startswith("articles")
        and any(layer_of(target) == "apps" for target in GRAPH[module])
    ]
    assert offenders == []


def test_models_never_import_the_workflow():
    offenders = [
        module
        for module in MODULES
        if layer_of(module) == "models"
        and any(t.startswith("articles.workflow") for t in GRAPH[module])
    ]
    assert offenders == []
