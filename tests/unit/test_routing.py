"""Team and officer routing: matching rules, fairness order, preferences and reasons."""

from __future__ import annotations

import pytest

from booking.core.routing import (
    OfficerLoad,
    TeamOption,
    choose_officer,
    choose_team,
    rank_officers,
)

TEAMS = [
    TeamOption(5, "foretag-special", "company", frozenset({"bygglovsradgivning", "strandskydd"})),
    TeamOption(1, "bygglov-privat", "private", frozenset({"bygglovsradgivning", "forhandsbesked"})),
    TeamOption(3, "strandskydd", "company", frozenset({"strandskydd"})),
    TeamOption(2, "bygglov-foretag", "company", frozenset({"bygglovsradgivning"})),
]


@pytest.mark.parametrize(
    ("applicant_kind", "meeting_type", "expected_team"),
    [
        ("private", "bygglovsradgivning", 1),
        ("private", "forhandsbesked", 1),
        ("company", "bygglovsradgivning", 2),  # teams 2 and 5 match: lowest id
        ("company", "strandskydd", 3),  # teams 3 and 5 match: lowest id
        ("private", "strandskydd", None),  # kind matches a team, type does not
        ("association", "bygglovsradgivning", None),  # type matches a team, kind does not
        ("company", "forhandsbesked", None),
    ],
)
def test_choose_team(applicant_kind: str, meeting_type: str, expected_team: int | None) -> None:
    for teams in (TEAMS, list(reversed(TEAMS))):
        choice = choose_team(teams=teams, applicant_kind=applicant_kind, meeting_type=meeting_type)
        assert (choice.team_id if choice else None) == expected_team


def test_choose_team_reasons() -> None:
    single = choose_team(teams=TEAMS, applicant_kind="private", meeting_type="forhandsbesked")
    assert single is not None and single.slug == "bygglov-privat"
    assert single.reason == (
        "applicant kind 'private' and meeting type 'forhandsbesked' are served by team "
        "'bygglov-privat'"
    )
    several = choose_team(teams=TEAMS, applicant_kind="company", meeting_type="bygglovsradgivning")
    assert several is not None and several.slug == "bygglov-foretag"
    assert several.reason == (
        "applicant kind 'company' and meeting type 'bygglovsradgivning' are served by team "
        "'bygglov-foretag' (lowest team id of 2 matching teams)"
    )


def test_choose_team_without_teams() -> None:
    assert choose_team(teams=[], applicant_kind="private", meeting_type="x") is None


@pytest.mark.parametrize(
    ("loads", "expected_order"),
    [
        # fewest bookings first, whatever the assignment history
        ([OfficerLoad(1, 3, None), OfficerLoad(2, 1, 2_000), OfficerLoad(3, 2, 1_000)], [2, 3, 1]),
        # tie on bookings: never assigned first, then least recently assigned
        ([OfficerLoad(1, 2, 5_000), OfficerLoad(2, 2, None), OfficerLoad(3, 2, 1_000)], [2, 3, 1]),
        # tie on bookings and history: lowest id
        ([OfficerLoad(9, 0, None), OfficerLoad(4, 0, None), OfficerLoad(6, 0, None)], [4, 6, 9]),
        ([OfficerLoad(9, 1, 7), OfficerLoad(4, 1, 7), OfficerLoad(6, 0, 8)], [6, 4, 9]),
        ([], []),
    ],
)
def test_rank_officers(loads: list[OfficerLoad], expected_order: list[int]) -> None:
    assert [load.officer_id for load in rank_officers(loads)] == expected_order
    assert [load.officer_id for load in rank_officers(reversed(loads))] == expected_order


# Distinctive ids so that a leak into a reason would be caught.
ALICE, BOB, CARL = 904_711, 905_522, 906_333
EPOCH_2027_03_25_0900Z = 1_805_965_200


@pytest.mark.parametrize(
    ("loads", "expected_id", "expected_reason"),
    [
        (
            [OfficerLoad(ALICE, 3, None), OfficerLoad(BOB, 1, 1_000), OfficerLoad(CARL, 2, None)],
            BOB,
            "fewest bookings this ISO week (1; next fewest 2) among 3 eligible officers",
        ),
        (
            [OfficerLoad(ALICE, 2, EPOCH_2027_03_25_0900Z), OfficerLoad(BOB, 2, None)],
            BOB,
            "tied on fewest bookings this ISO week (2); least recently assigned "
            "(never assigned) among 2 eligible officers",
        ),
        (
            [
                OfficerLoad(ALICE, 2, EPOCH_2027_03_25_0900Z + 60),
                OfficerLoad(BOB, 2, EPOCH_2027_03_25_0900Z),
            ],
            BOB,
            "tied on fewest bookings this ISO week (2); least recently assigned "
            "(last assigned 2027-03-25T09:00:00Z) among 2 eligible officers",
        ),
        (
            [OfficerLoad(CARL, 0, None), OfficerLoad(ALICE, 0, None)],
            ALICE,
            "tied on fewest bookings this ISO week (0) and on last assignment (never assigned); "
            "lowest officer id among 2 eligible officers",
        ),
        (
            [OfficerLoad(CARL, 4, None)],
            CARL,
            "only eligible officer (4 bookings this ISO week, never assigned)",
        ),
    ],
)
def test_choose_officer_by_fairness(
    loads: list[OfficerLoad], expected_id: int, expected_reason: str
) -> None:
    choice = choose_officer(candidates=loads)
    assert choice is not None
    assert choice.officer_id == expected_id
    assert choice.reason == expected_reason
    for officer_id in (ALICE, BOB, CARL):
        assert str(officer_id) not in choice.reason


def test_preferred_officer_present_wins_over_fairness() -> None:
    loads = [OfficerLoad(ALICE, 9, 5), OfficerLoad(BOB, 0, None)]
    choice = choose_officer(candidates=loads, preferred_id=ALICE)
    assert choice is not None and choice.officer_id == ALICE
    assert "preferred" in choice.reason
    assert str(ALICE) not in choice.reason


def test_preferred_officer_absent_is_never_silently_replaced() -> None:
    loads = [OfficerLoad(BOB, 0, None), OfficerLoad(CARL, 0, None)]
    assert choose_officer(candidates=loads, preferred_id=ALICE) is None


def test_no_candidates() -> None:
    assert choose_officer(candidates=[]) is None
    assert choose_officer(candidates=[], preferred_id=ALICE) is None
