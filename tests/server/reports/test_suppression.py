"""The sheet itself: fixed (already public) cells, and the one-elimination complement
test against the plain one (hide the candidate, eliminate again)."""
import random

from server.reports.suppression import Sheet


def _random_sheet(rng: random.Random) -> Sheet:
    """A table with margins both ways and an unpublished interior, small cells here and there."""
    sheet = Sheet()
    rows, columns = rng.randint(2, 4), rng.randint(2, 4)
    inner = [[sheet.cell(rng.choice((0, 1, 2, 3, 6, 9, 12)), published=rng.random() < 0.7, n=1)
              for _ in range(columns)] for _ in range(rows)]
    row_totals = [sheet.cell(sum(c.students for c in row), n=1) for row in inner]
    column_totals = [sheet.cell(sum(row[j].students for row in inner), n=1) for j in range(columns)]
    total = sheet.cell(sum(c.students for c in row_totals), n=1)
    for row, row_total in zip(inner, row_totals):
        sheet.adds_up(row_total, row)
    for j, column_total in enumerate(column_totals):
        sheet.adds_up(column_total, [row[j] for row in inner])
    sheet.adds_up(total, row_totals)
    sheet.adds_up(total, column_totals)
    return sheet


def test_the_one_elimination_test_agrees_with_hiding_and_eliminating_again():
    rng = random.Random(13)
    compared = 0
    for _ in range(150):
        sheet = _random_sheet(rng)
        for cell in sheet.cells:
            if cell.published and 0 < cell.students < 5:
                cell.suppressed = True
        targets = sheet._computable([c for c in sheet.cells if 0 < c.students < 5])
        for target in targets:
            stops = sheet._stoppers(target)
            for candidate in (c for c in sheet.cells if not c.hidden):
                candidate.suppressed = True
                expected = not sheet._computable([target])
                candidate.suppressed = False
                assert stops(candidate) == expected
                compared += 1
    assert compared > 100  # the random tables did expose cells


def test_a_fixed_cell_is_never_hidden_and_a_change_of_one_student_hides_the_new_total():
    """Then 10 students (public); now 11: the change is one student, so now is hidden."""
    sheet = Sheet()
    then = sheet.cell(10, fixed=True, spend_cents=10_000)
    change = sheet.cell(1, published=False, spend_cents=730)
    now = sheet.cell(11, spend_cents=10_730)
    sheet.adds_up(now, [then, change])
    sheet.protect(5)
    assert (then.suppressed, now.suppressed) == (False, True)


def test_protect_ends_even_when_only_fixed_cells_could_be_hidden():
    sheet = Sheet()
    then = sheet.cell(10, fixed=True, n=10)
    change = sheet.cell(2, published=False, n=2)
    now = sheet.cell(12, fixed=True, n=12)
    sheet.adds_up(now, [then, change])
    sheet.protect(5)  # nothing may be hidden: it stops rather than loop
    assert not then.suppressed and not now.suppressed
