"""The recipes' harness: their command line, the recording of their results and the tables generated from them.

Everything a recipe needs besides the library, in one import:

>>> from kerasdnn.experiments import finish_recipe, format_table, recipe_parser

The library (`kerasdnn`, its zoo and its search) never imports this
package: it is the recipes' own, like keras-io's example scaffolding.
"""

from kerasdnn.console import format_table, positive_float, positive_int
from kerasdnn.experiments.parser import RecipeParser, recipe_parser
from kerasdnn.experiments.recording import (
    figure_path,
    finish_ladder,
    finish_recipe,
    first_epoch,
    improvement_verdict,
    ladder_summary,
    record_result,
    spread_text,
    target_verdict,
    train_rungs,
)
from kerasdnn.experiments.tables import replace_result_comment, replace_table, reproduction_table, result_comments
from kerasdnn.seeds import seed_statistics

__all__ = [
    "RecipeParser",
    "figure_path",
    "finish_ladder",
    "finish_recipe",
    "first_epoch",
    "format_table",
    "improvement_verdict",
    "ladder_summary",
    "positive_float",
    "positive_int",
    "record_result",
    "recipe_parser",
    "replace_result_comment",
    "replace_table",
    "reproduction_table",
    "result_comments",
    "seed_statistics",
    "spread_text",
    "target_verdict",
    "train_rungs",
]
