"""Compiled SQL kept per process for the busiest page's queries (issue 15, point 4).

Building a queryset and compiling it to SQL cost a signed-in thread page more CPU than running
its queries and reading their rows: the thread's question query (its author, article, follow-up
and the extensions' annotations, about 100 columns) took 1.6 ms to build and compile and 0.1 ms
to run. The SQL of such a query depends only on its *shape* (who is looking: signed in or not, a
moderator or not...) and its *values* (which question, which member). A `PreparedQuery` builds and
compiles each shape once per process, with stand-in values it can find among the compiled
parameters, and afterwards runs the kept SQL with the real values put in their places, reading
the rows into model instances as Django's own `ModelIterable` does.

Safe by construction where it can be, checked where it cannot:

- a shape is only kept when each stand-in value shows up as a whole parameter and nowhere in the
  SQL text (so never inlined), and compiling again with the real values gives the same SQL and
  the same parameters in the same places; otherwise that shape is built and compiled every time,
  as before;
- the shape is the caller's promise that nothing else changes the SQL. With
  `COMMONPLACE_PREPARED_QUERIES_VERIFY` (on in the test suite) every run also builds and compiles
  the queryset afresh and fails loudly if the kept SQL or parameters differ, so a shape that
  forgets something the builder reads is caught by any test that meets it;
- `COMMONPLACE_PREPARED_QUERIES = False` turns the whole thing off.

The database is chosen per run by the routers (read replicas, config/replicas.py), and the SQL is
kept per database alias.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# Stand-in values: negative, far from any primary key, distinct from each other, and within a
# 32-bit integer column's range (Django refuses to compile a value outside a field's range).
_STAND_IN_BASE = -2_000_000_001
# Values beyond a 64-bit integer (a hostile URL's id) go to the ORM, which answers "no rows"
# without asking the database; kept SQL would send them as numerics and scan the table.
_BIGINT = range(-(2**63), 2**63)


class NotPreparable(Exception):
    """The shape's SQL did not keep its values as parameters of their own."""


class _Compiled:
    __slots__ = ("compiler", "params", "slots", "sql")

    def __init__(self, compiler, sql: str, params: tuple, slots: list[tuple[int, str, int | None]]):
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots  # (position in params, value name, index in a list value or None)

    def params_for(self, values: dict) -> list:
        params = list(self.params)
        for position, name, index in self.slots:
            params[position] = values[name] if index is None else values[name][index]
        return params


def _stand_ins(values: dict) -> tuple[dict, dict]:
    """Values of the same kinds (an int, a list of ints) made of stand-ins, and where each is."""
    stand_ins, where = {}, {}
    counter = 0
    for name, value in values.items():
        if isinstance(value, list | tuple):
            stand_ins[name] = []
            for index in range(len(value)):
                stand_in = _STAND_IN_BASE - counter
                counter += 1
                stand_ins[name].append(stand_in)
                where[stand_in] = (name, index)
        elif isinstance(value, int) and not isinstance(value, bool):
            stand_in = _STAND_IN_BASE - counter
            counter += 1
            stand_ins[name] = stand_in
            where[stand_in] = (name, None)
        else:
            raise NotPreparable(f"{name}: only ints and lists of ints can be stand-ins")
    return stand_ins, where


class PreparedQuery:
    """`build(shape, context, **values)` returns the queryset; `run(shape, context, **values)`
    its model instances.

    `build` must give SQL that depends on `shape` and on nothing but the *values* of `values`
    (ints, or lists of ints: their lengths are part of the key): `context` (the viewer, say) may
    be read only for what `shape` already says about it. Only plain model querysets: no
    prefetch_related (do it on the instances afterwards) and no values().
    """

    def __init__(self, name: str, model, build: Callable[..., QuerySet], *, longest_list: int = 30):
        self.name = name
        self.model = model
        self.build = build
        # A list's length is part of the key (`IN (%s, %s, ...)`): longer lists are built and
        # compiled each time rather than kept, so the kept SQL stays a few dozen entries a shape.
        self.longest_list = longest_list
        self._compiled: dict[tuple, _Compiled | None] = {}
        self._lock = threading.Lock()

    def run(self, shape: Hashable, context=None, **values) -> list:
        # The database first: the routers decide per request (a member who just wrote reads the
        # primary, config/replicas.py), and the SQL is kept per database.
        alias = router.db_for_read(self.model)
        if not getattr(settings, "COMMONPLACE_PREPARED_QUERIES", True):
            return list(self.build(shape, context, **values).using(alias))
        lengths = tuple(len(value) if isinstance(value, list | tuple) else None for value in values.values())
        if any(length is not None and length > self.longest_list for length in lengths) or not _in_range(
            values
        ):
            return list(self.build(shape, context, **values).using(alias))
        key = (shape, alias, tuple(values), lengths)
        entry = self._compiled.get(key, _MISSING)
        if entry is _MISSING:
            with self._lock:
                entry = self._compiled.get(key, _MISSING)
                if entry is _MISSING:
                    try:
                        entry = self._prepare(shape, context, values, alias)
                    except NotPreparable:
                        entry = None
                    self._compiled[key] = entry
        if entry is None:
            return list(self.build(shape, context, **values).using(alias))
        params = entry.params_for(values)
        if getattr(settings, "COMMONPLACE_PREPARED_QUERIES_VERIFY", False):
            fresh_sql, fresh_params = self._compile(shape, context, values, alias)[1:]
            if fresh_sql != entry.sql or list(fresh_params) != params:
                raise AssertionError(
                    f"Prepared query {self.name!r}: shape {shape!r} now compiles to other SQL than "
                    "the one kept for it: the shape leaves out something its builder reads."
                )
        return _models(entry, alias, params)

    def _compile(self, shape, context, values: dict, alias: str):
        queryset = self.build(shape, context, **values).using(alias)
        if queryset._prefetch_related_lookups or queryset._iterable_class is not ModelIterable:
            raise NotPreparable("only plain model querysets")
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        return compiler, sql, params

    def _prepare(self, shape, context, values: dict, alias: str) -> _Compiled:
        stand_ins, where = _stand_ins(values)
        try:
            compiler, sql, params = self._compile(shape, context, stand_ins, alias)
        except (ValueError, TypeError, EmptyResultSet) as refused:  # e.g. a negative slice
            raise NotPreparable(f"the stand-ins were refused: {refused}") from refused
        slots, found = [], set()
        for position, param in enumerate(params):
            if type(param) is int and param in where:
                slots.append((position, *where[param]))
                found.add(param)
        if found != set(where) or any(str(stand_in) in sql for stand_in in where):
            raise NotPreparable("a value was not kept as a parameter of its own")
        entry = _Compiled(compiler, sql, tuple(params), slots)
        # The same shape with the real values must compile to the same SQL, parameters in place.
        _, real_sql, real_params = self._compile(shape, context, values, alias)
        if real_sql != sql or list(real_params) != entry.params_for(values):
            raise NotPreparable("the real values changed the SQL")
        return entry


_MISSING = object()


def _in_range(values: dict) -> bool:
    for value in values.values():
        for each in value if isinstance(value, list | tuple) else (value,):
            if isinstance(each, int) and each not in _BIGINT:
                return False
    return True


def _models(entry: _Compiled, alias: str, params: list) -> list:
    """Run the kept SQL and read its rows as django.db.models.query.ModelIterable does."""
    compiler = copy.copy(entry.compiler)
    compiler.connection = connections[alias]
    with compiler.connection.cursor() as cursor:
        cursor.execute(entry.sql, params)
        rows = cursor.fetchall()
    if compiler.has_extra_select:
        rows = [row[: compiler.col_count] for row in rows]
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    related_populators = get_related_populators(klass_info, select, alias)
    objects = []
    for row in compiler.results_iter([rows]):
        obj = model_cls.from_db(alias, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, obj)
        if annotation_col_map:
            for attr_name, position in annotation_col_map.items():
                setattr(obj, attr_name, row[position])
        objects.append(obj)
    return objects
