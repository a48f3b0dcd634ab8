"""Small-cell suppression with complementary suppression (README.md beside this file).

A report is built as a ``Sheet`` of cells. A cell is one or more figures that come
from the same group of students, so they are shown or hidden together. The sheet
knows which cells add up to which (``adds_up``): what a reader could add and
subtract to recompute a hidden cell. Some cells are never published (the spend of
one category at one venue) but take part in sums that link published tables: they
are in the sheet too, so that the published tables cannot be combined to reveal
them.

``protect`` hides cells until no cell about 1..minimum-1 students can be computed
from the visible ones through the sums: an exact check by linear algebra, not a
rule of thumb, so it also holds across linked tables and tables with margins.
"""
from collections import deque
from dataclasses import dataclass, field

from flask import current_app

DEFAULT_MIN_CELL = 5
# The elimination is done modulo this prime rather than in fractions (about ten times
# faster: ``protect`` runs it once per complement tried). The sums have coefficients
# -1, 0 and 1, so a cell computable over the rationals is computable modulo p; the
# converse fails only if p divides a minor of the system, which for a prime this size
# does not happen in practice — and would only hide one cell more, never one less.
PRIME = 2**61 - 1


def min_cell() -> int:
    """The fewest distinct students a figure may describe (config ``REPORT_MIN_CELL``)."""
    return int(current_app.config.get("REPORT_MIN_CELL", DEFAULT_MIN_CELL))


@dataclass(eq=False)
class Cell:
    values: dict  # figure name -> value, all from the same students
    students: int  # how many distinct students (wallets) the figures are about
    published: bool = True
    suppressed: bool = False
    # Already public (an earlier release): its state is given, never changed here; it
    # is in the sheet so that nothing new can be computed from it.
    fixed: bool = False

    @property
    def hidden(self) -> bool:
        return self.suppressed or not self.published

    def view(self) -> dict:
        """The figures, each ``None`` when suppressed, plus the ``suppressed`` flag."""
        return {**{name: None if self.suppressed else value for name, value in self.values.items()},
                "suppressed": self.suppressed}

    def size(self) -> tuple:
        return self.students, *(value or 0 for value in self.values.values())


@dataclass
class _Sum:
    total: Cell
    parts: list[Cell]

    def cells(self) -> list[Cell]:
        return [self.total, *self.parts]


@dataclass
class Sheet:
    cells: list[Cell] = field(default_factory=list)
    sums: list[_Sum] = field(default_factory=list)

    def cell(self, students: int, /, *, published: bool = True, fixed: bool = False, suppressed: bool = False,
             **values) -> Cell:
        # Positional only: a figure may itself be called ``students``.
        made = Cell(values=values, students=students, published=published, fixed=fixed, suppressed=suppressed)
        self.cells.append(made)
        return made

    def adds_up(self, total: Cell, parts: list[Cell]) -> None:
        """Declare that ``parts`` add up to ``total`` (each figure of theirs)."""
        self.sums.append(_Sum(total, list(parts)))

    def protect(self, minimum: int) -> None:
        """Primary suppression of every published cell about 1..minimum-1 students;
        then, while some such cell (published or not) can be computed from the
        visible cells, hide one more cell: the complement that stops it, nearest and
        smallest first. A cell about no student is shown: it describes nobody, and
        it is never a complement (hiding a zero beside a cell hides nothing)."""
        for cell in self.cells:
            if cell.published and not cell.fixed and 0 < cell.students < minimum:
                cell.suppressed = True
        sensitive = [cell for cell in self.cells if 0 < cell.students < minimum]
        while exposed := self._computable(sensitive):
            complement = self._complement(exposed[0])
            if complement is None:
                return  # everything that could be hidden is
            complement.suppressed = True

    # --- which hidden cells follow from the visible ones --------------------------------

    def _computable(self, targets: list[Cell]) -> list[Cell]:
        """The target cells whose value follows from the visible cells and the sums:
        those whose unit vector lies in the span of the sums restricted to hidden cells."""
        column = {cell: i for i, cell in enumerate(c for c in self.cells if c.hidden)}
        basis: dict[int, dict[int, int]] = {}
        for line in self.sums:
            row: dict[int, int] = {}
            for cell, sign in ((line.total, -1), *((part, 1) for part in line.parts)):
                if cell.hidden:
                    i = column[cell]
                    row[i] = row.get(i, 0) + sign
            leftover = _reduce(basis, {i: v % PRIME for i, v in row.items() if v % PRIME})
            if leftover:
                pivot = min(leftover)
                inverse = pow(leftover[pivot], -1, PRIME)
                basis[pivot] = {i: v * inverse % PRIME for i, v in leftover.items()}
        return [cell for cell in targets if cell.hidden and not _reduce(basis, {column[cell]: 1})]

    def _complement(self, target: Cell) -> Cell | None:
        """The visible cell to hide for ``target``: among those linked to it through
        the sums, nearest first, then smallest, the first that makes it not
        computable; failing that, the nearest smallest (the next round goes on)."""
        candidates = [cell for cell in self._by_distance(target)
                      if cell.published and not cell.suppressed and not cell.fixed and cell.students > 0]
        stops = self._stoppers(target)
        for candidate in candidates:
            if stops(candidate):
                return candidate
        return candidates[0] if candidates else None

    def _stoppers(self, target: Cell):
        """A test "would hiding this visible cell make ``target`` not computable", from
        one elimination. With the hidden cells H, the target is computable when some
        combination y of the sums has y·A_H = e_target; those y are y0 + the left null
        space N of A_H. Hiding c adds its column a_c and asks also y·a_c = 0: that
        fails for every y exactly when y0·a_c != 0 and n·a_c = 0 for all n in N."""
        column = {cell: i for i, cell in enumerate(c for c in self.cells if c.hidden)}
        rows = []  # per sum: {column of a hidden cell: coefficient}, and per cell its column in A
        by_cell: dict[Cell, dict[int, int]] = {}
        for k, line in enumerate(self.sums):
            row: dict[int, int] = {}
            for cell, sign in ((line.total, -1), *((part, 1) for part in line.parts)):
                entries = by_cell.setdefault(cell, {})
                entries[k] = (entries.get(k, 0) + sign) % PRIME
                if cell.hidden:
                    row[column[cell]] = (row.get(column[cell], 0) + sign) % PRIME
            rows.append({i: v for i, v in row.items() if v})
        basis: dict[int, tuple[dict, dict]] = {}  # pivot -> (row, which sums make it)
        null = []
        for k, row in enumerate(rows):
            leftover, made_of = _reduce_tracking(basis, row, {k: 1})
            if leftover:
                pivot = min(leftover)
                inverse = pow(leftover[pivot], -1, PRIME)
                basis[pivot] = ({i: v * inverse % PRIME for i, v in leftover.items()},
                                {j: v * inverse % PRIME for j, v in made_of.items()})
            else:
                null.append(made_of)
        leftover, made_of = _reduce_tracking(basis, {column[target]: 1}, {})
        if leftover:
            return lambda cell: True  # not computable as it is
        solution = {j: -v % PRIME for j, v in made_of.items()}  # e_t - sum(f b) = 0: y0 = sum(f combo)

        def dot(vector: dict, entries: dict) -> int:
            return sum(v * entries.get(j, 0) for j, v in vector.items()) % PRIME

        def stops(cell: Cell) -> bool:
            entries = {k: v for k, v in by_cell.get(cell, {}).items() if v}
            return bool(dot(solution, entries)) and not any(dot(n, entries) for n in null)
        return stops

    def _by_distance(self, start: Cell) -> list[Cell]:
        neighbours: dict[Cell, list[Cell]] = {}
        for line in self.sums:
            for cell in line.cells():
                neighbours.setdefault(cell, []).extend(line.cells())
        distance, queue = {start: 0}, deque([start])
        while queue:
            cell = queue.popleft()
            for other in neighbours.get(cell, ()):
                if other not in distance:
                    distance[other] = distance[cell] + 1
                    queue.append(other)
        order = {cell: i for i, cell in enumerate(self.cells)}
        return sorted((c for c in distance if c is not start), key=lambda c: (distance[c], c.size(), order[c]))


def _reduce_tracking(basis: dict, row: dict, made_of: dict) -> tuple[dict, dict]:
    """Like ``_reduce``, also keeping which sums (``made_of``: sum index -> factor) the
    leftover row is the combination of; ``basis`` rows carry theirs."""
    row, made_of = dict(row), dict(made_of)
    while row:
        lead = min(row)
        found = basis.get(lead)
        if found is None:
            break
        pivot_row, pivot_made_of = found
        factor = row[lead]
        for i, v in pivot_row.items():
            updated = (row.get(i, 0) - factor * v) % PRIME
            if updated:
                row[i] = updated
            else:
                row.pop(i, None)
        for j, v in pivot_made_of.items():
            updated = (made_of.get(j, 0) - factor * v) % PRIME
            if updated:
                made_of[j] = updated
            else:
                made_of.pop(j, None)
    return row, made_of


def _reduce(basis: dict[int, dict[int, int]], row: dict[int, int]) -> dict[int, int]:
    """``row`` minus its part in the span of ``basis`` (rows keyed by their leading
    column, leading coefficient 1): empty when the row lies in the span."""
    row = dict(row)
    while row:
        lead = min(row)
        pivot_row = basis.get(lead)
        if pivot_row is None:
            return row
        factor = row[lead]
        for i, v in pivot_row.items():
            updated = (row.get(i, 0) - factor * v) % PRIME
            if updated:
                row[i] = updated
            else:
                row.pop(i, None)
    return row
