"""YAML for packs: one fast parse that keeps the node tree, so errors point at lines.

PyYAML's C loader builds the node tree once; values are constructed from that same tree,
and the tree answers "which line holds `triggers[0].title`?" for validation messages.
Duplicate keys (which PyYAML would silently collapse) are refused here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.core.problems import Problem

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_IMPLICIT = _BaseLoader.yaml_implicit_resolvers
MAX_DEPTH = 64


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader with a leaner tag resolver (same answers: no path or wildcard resolvers) and
    impossible dates (2026-13-01) kept as text for the validator to report."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


def _timestamp_or_text(loader: yaml.SafeLoader, node: ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return node.value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_SCALAR_CONSTRUCTORS = {
    tag: _Loader.yaml_constructors[tag]
    for tag in (
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:timestamp",
    )
}


class YamlError(ValueError):
    """YAML that cannot be used: syntax errors or duplicate keys, each as a Problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def field_path(loc: Sequence[str | int]) -> str:
    """`('triggers', 0, 'title')` → `triggers[0].title`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """Constructed YAML data plus its node tree; `first_line` is the file line of text line 1."""

    data: Any
    root: Node | None
    first_line: int = 1

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """1-based file line of the value at `loc`, or of its nearest existing parent."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line
        for part in loc:
            if isinstance(node, MappingNode):
                # pydantic reports a key as written (str) or as built (1, None → 'None')
                wanted = {str(part), "~", "null", ""} if part == "None" else {str(part)}
                found = None
                for key, value in node.value:
                    if isinstance(key, ScalarNode) and key.value in wanted:
                        found = (key, value)
                if found is None:
                    break
                line, node = found[0].start_mark.line, found[1]
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                node = node.value[part]
                line = node.start_mark.line
            else:
                break
        return line + self.first_line


def load_yaml(text: str, *, file: str, first_line: int = 1) -> YamlDoc:
    """Parse one YAML document; raises YamlError with file/line problems when it is unusable."""
    loader = _Loader(text)
    try:
        _refuse_deep_nesting(text, file, first_line)
        root = loader.get_single_node()
        data = None if root is None else _construct(loader, root, file, first_line)
    except yaml.MarkedYAMLError as exc:
        if _is_libyaml_depth_refusal(exc):
            mark = exc.problem_mark or exc.context_mark
            line = None if mark is None else mark.line + first_line
            raise YamlError([_too_deep(file, line)]) from None
        raise YamlError([_syntax_problem(exc, file, first_line)]) from None
    except YamlError:
        raise
    except RecursionError:
        raise YamlError([_too_deep(file, None)]) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        problem = Problem(
            file=file,
            message=f"invalid YAML: {exc}",
            hint="check the quoting and indentation of this YAML",
        )
        raise YamlError([problem]) from None
    finally:
        loader.dispose()
    return YamlDoc(data=data, root=root, first_line=first_line)


def _refuse_deep_nesting(text: str, file: str, first_line: int) -> None:
    """libyaml's composer recurses in C: thousands of nested '[' would overflow the stack and
    crash the process. Flow brackets, '- ' and '? ' are the only ways to nest without
    indentation, so only text with many of them gets an event scan (iterative, in C)."""
    openers = text.count("[") + text.count("{") + text.count("- ") + text.count("? ")
    if openers <= MAX_DEPTH:
        return
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlError([_too_deep(file, event.start_mark.line + first_line)])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _is_libyaml_depth_refusal(exc: yaml.MarkedYAMLError) -> bool:
    """PyYAML 6.0.2+ refuses nesting past its own limit (about 1,000) in the scanner, which
    may speak before our own scan does; both must read the same to an author."""
    return "maximum nesting depth" in (exc.problem or "")


def _too_deep(file: str, line: int | None) -> Problem:
    """The one message for a document nested past MAX_DEPTH, however it was noticed."""
    return Problem(
        file=file,
        line=line,
        message=f"the YAML is nested more than {MAX_DEPTH} levels deep",
        hint="flatten it: a pack needs only a few levels",
    )


class _Unusual(Exception):
    """The document uses merge keys, explicit tags or complex keys: take PyYAML's own path."""


def _construct(loader: Any, root: Node, file: str, first_line: int) -> Any:
    """Values from the node tree, refusing duplicate keys.

    Plain documents (maps, lists, scalars) take a lean path that checks duplicates while it
    builds; anything unusual goes through PyYAML's constructor and a separate duplicate scan.
    """
    duplicates: list[tuple[MappingNode, Node]] = []
    try:
        data = _build(loader, root, {}, duplicates)
    except _Unusual:
        problems = _duplicate_keys(root, file, first_line)
        if problems:
            raise YamlError(problems) from None
        return loader.construct_document(root)
    if duplicates:
        raise YamlError([_duplicate_problem(root, m, k, file, first_line) for m, k in duplicates])
    return data


def _build(
    loader: Any, node: Node, memo: dict[int, Any], duplicates: list[tuple[MappingNode, Node]]
) -> Any:
    cls = node.__class__
    if cls is ScalarNode:
        if node.tag == _STR:
            return node.value
        constructor = _SCALAR_CONSTRUCTORS.get(node.tag)
        if constructor is None:
            raise _Unusual
        return constructor(loader, node)
    done = memo.get(id(node))
    if done is not None:
        return done
    if cls is SequenceNode and node.tag == _SEQ:
        items: list[Any] = []
        memo[id(node)] = items
        for item in node.value:
            items.append(_build(loader, item, memo, duplicates))
        return items
    if cls is MappingNode and node.tag == _MAP:
        mapping: dict[Any, Any] = {}
        memo[id(node)] = mapping
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode or key_node.tag == _MERGE_TAG:
                raise _Unusual
            key = _build(loader, key_node, memo, duplicates)
            if key in mapping:
                duplicates.append((node, key_node))
            mapping[key] = _build(loader, value_node, memo, duplicates)
        return mapping
    raise _Unusual


def _duplicate_problem(
    root: Node, mapping: MappingNode, key_node: Node, file: str, first_line: int
) -> Problem:
    earlier = next(k for k, _ in mapping.value if k.value == key_node.value)
    a, b = earlier.start_mark.line + first_line, key_node.start_mark.line + first_line
    return Problem(
        file=file,
        line=b,
        field=field_path((*_path_to(root, mapping), key_node.value)),
        message=f"key '{key_node.value}' appears twice ({_lines(a, b)}); "
        "YAML would keep only the last",
        hint="remove one of the two",
    )


def _path_to(root: Node, target: Node) -> tuple[str | int, ...]:
    """Where `target` sits under `root`, as a validation-style location."""
    stack: list[tuple[Node, tuple[str | int, ...]]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, loc = stack.pop()
        if node is target:
            return loc
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack.extend((v, (*loc, k.value)) for k, v in node.value if isinstance(k, ScalarNode))
        elif isinstance(node, SequenceNode):
            stack.extend((item, (*loc, i)) for i, item in enumerate(node.value))
    return ()


def _duplicate_keys(root: Node, file: str, first_line: int) -> list[Problem]:
    """Every key that appears twice in one mapping, naming both lines (aliases walked once)."""
    problems: list[Problem] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[Node, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first_seen: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                if not isinstance(key, ScalarNode) or key.tag == _MERGE_TAG:
                    stack.append((value, loc))
                    continue
                line = key.start_mark.line + first_line
                earlier = first_seen.get((key.tag, key.value))
                if earlier is None:
                    first_seen[(key.tag, key.value)] = line
                else:
                    problems.append(
                        Problem(
                            file=file,
                            line=line,
                            field=field_path((*loc, key.value)),
                            message=(
                                f"key '{key.value}' appears twice ({_lines(earlier, line)}); "
                                "YAML would keep only the last"
                            ),
                            hint="remove one of the two",
                        )
                    )
                stack.append((value, (*loc, key.value)))
        elif isinstance(node, SequenceNode):
            stack.extend((item, (*loc, i)) for i, item in enumerate(node.value))
    problems.sort(key=lambda p: p.line or 0)
    return problems


def _lines(a: int, b: int) -> str:
    return f"on line {a}" if a == b else f"lines {a} and {b}"


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str, first_line: int) -> Problem:
    """A YAML syntax error as a Problem at the line libyaml points to, with a likely fix."""
    mark = exc.problem_mark or exc.context_mark
    line = None if mark is None else mark.line + first_line
    context_line = None if exc.context_mark is None else exc.context_mark.line + first_line
    problem = (exc.problem or exc.context or "unreadable YAML").strip()
    return Problem(
        file=file,
        line=line,
        message=f"invalid YAML: {problem}",
        hint=_syntax_hint(problem, exc.context or "", context_line),
    )


def _syntax_hint(problem: str, context: str, context_line: int | None) -> str:
    opened = f" opened on line {context_line}" if context_line is not None else ""
    if "mapping values are not allowed" in problem:
        return "put a value that contains ': ' in quotes, e.g. title: 'Excel: refresh all'"
    if "tab" in problem:
        return "indent with spaces, not tabs"
    if "undefined alias" in problem or "alias" in context or "anchor" in context:
        return "put a value that starts with '*' or '&' in quotes, e.g. keywords: ['*.xlsx']"
    if "unknown escape" in problem:
        return (
            "inside double quotes a backslash starts an escape; use single quotes instead, "
            "e.g. title: '(?i)\\.xlsx'"
        )
    if "cannot start any token" in problem:
        return "put a value that starts with '@', '`' or '%' in quotes"
    if "end of stream" in problem and "quoted" in context:
        return f"close the quote{opened}"
    if "expected ',' or ']'" in problem:
        return f"close the list{opened} with ']'"
    if "expected ',' or '}'" in problem:
        return f"close the mapping{opened} with '}}'"
    if "expected key" in problem or "expected <block end>" in problem:
        return "line up the fields of one mapping in the same column and start list items with '- '"
    if "constructor for the tag" in problem:
        return "remove the '!' tag: packs use plain YAML values only"
    if "unhashable key" in problem:
        return "use plain text as keys"
    if "document start" in problem or "single document" in problem:
        return "remove the '---' or '...' line inside the YAML"
    return "check the quoting and indentation on this line and the line above"
