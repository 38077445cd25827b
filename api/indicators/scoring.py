"""The composite score (综合得分), its grade, the ranking and the red and black lists (红黑榜): pure functions
of the figures and the county's settings."""

from typing import Literal

from api.indicators.models import RATES_ADDED, Figures, ScoreWeights

Grade = Literal["A", "B", "C", "D"]
GRADES: tuple[tuple[int, Grade], ...] = ((90, "A"), (75, "B"), (60, "C"))


def score(figures: Figures, weights: ScoreWeights) -> float | None:
    """100 × the weighted mean of the rates that add (on_time_rate, closure_rate, spotcheck_pass_rate,
    dispatch_accuracy, coverage_rate; weights shared among those the unit has a figure for), minus
    rework_rate × its weight and spotcheck_fails, flagged_closures and overdue_open × theirs; never below 0.
    None when no weighted rate has a figure."""
    shares = [(getattr(weights, name), getattr(figures, name)) for name in RATES_ADDED]
    shares = [(weight, value) for weight, value in shares if weight > 0 and value is not None]
    if not shares:
        return None
    gained = 100 * sum(weight * value for weight, value in shares) / sum(weight for weight, _ in shares)
    lost = (weights.rework_rate * (figures.rework_rate or 0) + weights.spotcheck_fails * figures.spotcheck_fails
            + weights.flagged_closures * figures.flagged_closures + weights.overdue_open * figures.overdue_open)
    return round(max(0.0, gained - lost), 1)


def grade(value: float | None) -> Grade | None:
    """A ≥ 90, B 75–90, C 60–75, D below."""
    if value is None:
        return None
    return next((letter for floor, letter in GRADES if value >= floor), "D")


def ranks(scores: dict[str, float]) -> dict[str, int]:
    """Best score first; equal scores share a place and the next place is skipped (1, 2, 2, 4)."""
    return {code: 1 + sum(other > value for other in scores.values()) for code, value in scores.items()}


def red_and_black(order: list[str], red: int, black: int) -> tuple[list[str], list[str]]:
    """The first `red` of the ranked units (best first) and the last `black` (worst first), never both."""
    reds = order[:red]
    blacks = [code for code in reversed(order) if code not in reds][:black]
    return reds, blacks
