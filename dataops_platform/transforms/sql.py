"""The Spark SQL of a gold product, read with a SQL parser (sqlglot, spark dialect) and no Spark:
the silver tables it reads, its output columns and their column lineage, with line:col positions
for what it gets wrong.

Parsing costs the import of sqlglot (about 0.3 s) and a few milliseconds a query, once per
version of the SQL and of the silver columns: results are kept as JSON under the contract
cache folder (quality/compiled.py), so a code location that loads unchanged SQL does not import
sqlglot at all. Errors are never cached.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from dataops_platform.quality.compiled import cache_dir

DIALECT = "spark"
AS_OF = "as_of"  # the one parameter: the as-of (partition) date
FORMAT = 1


class SqlError(ValueError):
    """What is wrong with the SQL, at `line:col` (1-based) of its text."""

    def __init__(self, line: int, col: int, problem: str):
        super().__init__(f"{line}:{col}: {problem}")
        self.line, self.col, self.problem = line, col, problem


@dataclass(frozen=True)
class QueryShape:
    """What a product's query reads and gives."""

    inputs: tuple[str, ...]  # the silver datasets it reads, in order of first appearance
    columns: tuple[str, ...]  # its output columns, in order
    lineage: dict[str, tuple[str, ...]]  # output column -> the 'dataset.column's its value comes from
    as_of_columns: tuple[str, ...]  # output columns that are the `:as_of` parameter itself


def query_shape(text: str, silver: Mapping[str, Sequence[str]]) -> QueryShape:
    """Read a query over silver tables (dataset -> its columns); an unknown table or column, a
    parameter other than `:as_of` or a statement that is not one query raises SqlError."""
    payload = {"query": text, "silver": {name: list(columns) for name, columns in sorted(silver.items())}}
    found = _cached("query", payload, lambda: _query_shape(text, silver))
    lineage = {column: tuple(sources) for column, sources in found["lineage"].items()}
    return QueryShape(tuple(found["inputs"]), tuple(found["columns"]), lineage, tuple(found["as_of_columns"]))


def expression_columns(text: str, columns: Sequence[str]) -> tuple[str, ...]:
    """The columns one Spark SQL expression (a row rule, a filter) reads, each one of `columns`
    (else SqlError at its position in `text`); `:as_of` is the only parameter allowed."""
    payload = {"expression": text, "columns": list(columns)}
    return tuple(_cached("expression", payload, lambda: {"columns": _expression_columns(text, columns)})["columns"])


def bind_tables(text: str, views: Mapping[str, str]) -> str:
    """The query reading the view `views[dataset]` wherever it reads a silver dataset, text
    otherwise unchanged (an unaliased table keeps its name as the alias, so `dataset.column`
    still resolves)."""
    edits = []
    for table in _silver_tables(_parse(text)):
        name, ident = table.name.lower(), table.this
        if name not in views:
            raise SqlError(*_position(text, ident), f"table '{table.name}' is not among the inputs {sorted(views)}")
        start, end = ident.meta["start"], ident.meta["end"] + 1  # a quoted name with its quotes
        alias = "" if table.args.get("alias") else f" AS {name}"
        edits.append((start, end, f"{views[name]}{alias}"))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


# ---------------------------------------------------------------- parsing


def _parse(text: str):
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    try:
        statements = [s for s in sqlglot.parse(text, dialect=DIALECT) if s is not None]
    except ParseError as exc:
        error = exc.errors[0] if exc.errors else {}
        line, col = error.get("line") or 1, error.get("col") or 1
        raise SqlError(line, col, f"cannot parse: {_described(error.get('description') or str(exc))}") from None
    except TokenError as exc:
        raise SqlError(1, 1, f"cannot parse: {exc}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise SqlError(1, 1, "expected exactly one query (SELECT or WITH ... SELECT), nothing else")
    tree = statements[0]
    _require_as_of_only(text, tree)
    return tree


def _require_as_of_only(text: str, tree) -> None:
    from sqlglot import exp

    for placeholder in tree.find_all(exp.Placeholder):
        name = placeholder.name
        if name != AS_OF:
            shown = f":{name}" if name else "?"
            match = re.search(re.escape(shown) + (r"\b" if name else ""), text)
            raise SqlError(
                *_offset_position(text, match.start() if match else 0),
                f"unknown parameter {shown}: the only parameter is :{AS_OF} (the as-of date)",
            )


def _names(tree) -> set[str]:
    """The CTE names of a query (lowercase)."""
    from sqlglot import exp

    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def _silver_tables(tree) -> list:
    """The table references of a query that are not CTEs, in text order."""
    from sqlglot import exp

    ctes = _names(tree)
    tables = [
        t
        for t in tree.find_all(exp.Table)
        if isinstance(t.this, exp.Identifier) and (t.args.get("db") or t.name.lower() not in ctes)
    ]
    return sorted(tables, key=lambda t: t.this.meta.get("start", 0))


def _query_shape(text: str, silver: Mapping[str, Sequence[str]]) -> dict:
    from sqlglot import exp
    from sqlglot.errors import OptimizeError
    from sqlglot.lineage import lineage
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.optimizer.scope import build_scope

    tree = _parse(text)
    for cte in tree.find_all(exp.CTE):
        if cte.alias_or_name.lower() in silver:
            raise SqlError(*_position(text, cte.args["alias"].this), f"CTE '{cte.alias}' hides the silver dataset")
    inputs: list[str] = []
    for table in _silver_tables(tree):
        name = table.name.lower()
        if table.args.get("db") or name not in silver:
            shown = ".".join(part.name for part in table.parts)
            raise SqlError(
                *_position(text, table),
                f"unknown table '{shown}': a query reads silver datasets by name ({', '.join(sorted(silver))})",
            )
        if name not in inputs:
            inputs.append(name)
    schema = {name: {column: "string" for column in silver[name]} for name in inputs}
    try:
        qualified = qualify(tree, schema=schema, dialect=DIALECT, validate_qualify_columns=False, identify=False)
    except OptimizeError as exc:  # a qualified column its table does not have
        raise _unknown_column(text, tree, str(exc)) from None
    root = build_scope(qualified)
    _require_known_columns(text, root, silver)
    columns = list(qualified.named_selects)
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise SqlError(1, 1, f"output column(s) {doubled} appear more than once")
    nodes = lineage(None, qualified, schema, scope=root, dialect=DIALECT, copy=False)
    found = {
        column: sorted(
            {
                f"{node.source.name.lower()}.{node.name.split('.')[-1]}"
                for node in nodes[column].walk()
                if isinstance(node.source, exp.Table)
            }
        )
        for column in columns
    }
    as_of = [s.alias_or_name for s in qualified.selects if _is_as_of(s.unalias())]
    return {"inputs": inputs, "columns": columns, "lineage": found, "as_of_columns": as_of}


def _is_as_of(expression) -> bool:
    from sqlglot import exp

    if isinstance(expression, exp.Cast):
        expression = expression.this
    return isinstance(expression, exp.Placeholder) and expression.name == AS_OF


def _require_known_columns(text: str, root, silver: Mapping[str, Sequence[str]]) -> None:
    """Every column of every scope is one of its source's: a silver dataset's contract columns,
    or a CTE's or subquery's output columns; the first unknown one (in text order) raises."""
    from sqlglot import exp

    unknown = []
    for scope in root.traverse():
        for column in scope.columns:
            source, outer = None, scope
            while outer is not None and source is None:
                source, outer = outer.sources.get(column.table), outer.parent
            if not column.table and len(scope.sources) == 1:  # unresolved, with one table to blame
                source = next(iter(scope.sources.values()))
            if isinstance(source, exp.Table):
                known = silver[source.name.lower()]
                where = f"silver dataset {source.name.lower()}"
            elif source is not None and isinstance(source.expression, exp.Query) and not source.expression.is_star:
                known, where = source.expression.named_selects, f"'{column.table}'"
            elif source is not None:
                continue  # a table function or lateral view: its columns are its own
            else:
                known, where = [], "any table it reads"
            if column.name not in known:
                unknown.append((column.this.meta.get("start", 0), column, where, known))
    if unknown:
        _, column, where, known = min(unknown, key=lambda u: u[0])
        shown = f" (columns: {', '.join(known)})" if known else ""
        raise SqlError(*_position(text, column), f"unknown column '{column.name}' of {where}{shown}")


def _unknown_column(text: str, tree, message: str) -> SqlError:
    from sqlglot import exp

    name = message.rsplit(":", 1)[-1].strip().lower()
    matches = [c for c in tree.find_all(exp.Column) if c.name.lower() == name and c.this.meta]
    first = min(matches, key=lambda c: c.this.meta["start"], default=None)
    line, col = _position(text, first) if first is not None else (1, 1)
    table = f" of '{first.table}'" if first is not None and first.table else ""
    return SqlError(line, col, f"unknown column '{name}'{table}")


def _expression_columns(text: str, columns: Sequence[str]) -> list[str]:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    try:
        tree = sqlglot.parse_one(text, dialect=DIALECT, into=exp.Condition)
    except (ParseError, TokenError) as exc:
        errors = getattr(exc, "errors", None) or [{}]
        line, col = errors[0].get("line") or 1, errors[0].get("col") or 1
        raise SqlError(line, col, f"cannot parse: {_described(errors[0].get('description') or str(exc))}") from None
    _require_as_of_only(text, tree)
    lambdas = {v.name for lam in tree.find_all(exp.Lambda) for v in lam.expressions}
    found = []
    for column in sorted(tree.find_all(exp.Column), key=lambda c: c.this.meta.get("start", 0)):
        if column.name in lambdas and not column.table:
            continue
        if column.table or column.name not in columns:
            raise SqlError(
                *_position(text, column),
                f"unknown column '{column.sql(DIALECT)}' (columns: {', '.join(columns)})",
            )
        if column.name not in found:
            found.append(column.name)
    return found


def _described(problem: str) -> str:
    """sqlglot's parse error without its token reprs."""
    return re.sub(r"<Token token_type: [^,]*, text: ([^,]*),[^>]*>", r"'\1'", problem)


def _position(text: str, node) -> tuple[int, int]:
    """Where a node (a table, a column: its first identifier) starts in the text."""
    from sqlglot import exp

    starts = [i.meta["start"] for i in node.find_all(exp.Identifier) if "start" in i.meta]
    return _offset_position(text, min(starts, default=0))


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


# ---------------------------------------------------------------- cache


@functools.cache
def _parser_version() -> str:
    try:
        return importlib.metadata.version("sqlglot")
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _cached(kind: str, payload: dict, compute: Callable[[], dict]) -> dict:
    """`compute()`, or what it gave for the same payload and parser version before."""
    document = json.dumps({**payload, "parser": _parser_version(), "format": FORMAT}, sort_keys=True)
    path = cache_dir() / "sql" / f"{kind}.{hashlib.sha256(document.encode()).hexdigest()[:24]}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    found = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(found, sort_keys=True), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass  # a read-only cache folder only costs the parse next time
    return found
