"""Which cell texts exports neutralise (docs/security.md §27): every form of = + - @ a spreadsheet could take for a
formula start, and nothing else; `unneutralise` undoes it exactly (issue 14, finding 5)."""

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.spreadsheets.formulas import FORMULA_STARTS, MAYBE_DANGEROUS, is_dangerous, neutralise, unneutralise

FULL_WIDTH = ["＝1+1", "＋1+1", "－1+1", "＠SUM(1,1)", "﹦1+1", "﹣1", "⁼1", "₊1"]


@pytest.mark.parametrize("text", FULL_WIDTH)
def test_full_width_and_other_forms_of_a_formula_start_are_neutralised(text):
    assert neutralise(text) == "'" + text
    assert unneutralise(neutralise(text)) == text
    assert neutralise("'" + text) == "''" + text


def test_the_formula_starts_are_exactly_the_characters_whose_nfkc_form_begins_with_one():
    """A new Unicode version adding another such character makes this fail, and the list is extended."""
    closure = {chr(code) for code in range(sys.maxunicode + 1)
               if (folded := unicodedata.normalize("NFKC", chr(code))) and folded[0] in "=+-@"}
    assert closure | set("\t\r\n") == set(FORMULA_STARTS)
    assert set(FORMULA_STARTS) | {"'"} == MAYBE_DANGEROUS


@pytest.mark.parametrize("text", ["—注意", "−5", "（=）", " =1", "收费=1", "1=1", "", "'text"])
def test_text_that_only_contains_or_resembles_them_elsewhere_is_left_alone(text):
    assert not is_dangerous(text) and neutralise(text) == text


@given(st.text(alphabet=st.sampled_from(FORMULA_STARTS + "'a1 ＝"), max_size=6))
def test_unneutralise_inverts_neutralise(text):
    assert unneutralise(neutralise(text)) == text
