"""kerasdnn's keras-tuner oracles: the defaults first, a resumable grid, saved state that never lies, seed 0.

Each of `make_tuner`'s tuners runs one of these: keras-tuner's random,
Bayesian, Hyperband or grid oracle, with `TrustedOracle`'s rules for its
saved files (a finished trial is never trained again, a missing or damaged
file is named) and the space's defaults as the first trial.
"""

import json
import os
from typing import TYPE_CHECKING, Any

import keras_tuner


class DamagedSearchError(ValueError):
    """A search's saved files cannot be read; the message names the file and what to do."""


# The keys keras-tuner reads from each kind of file of a search.
_SEARCH_FILE_KEYS = {
    "oracle.json": ("ongoing_trials", "start_order", "end_order"),
    "trial.json": ("trial_id", "hyperparameters", "status"),
}


def damaged_search_file(project_dir: str) -> DamagedSearchError | None:
    """The error for the first file of a search that keras-tuner cannot read, or `None`."""
    names = [os.path.join(project_dir, name) for name in sorted(os.listdir(project_dir)) if name.endswith(".json")]
    names += [
        os.path.join(project_dir, name, "trial.json")
        for name in sorted(os.listdir(project_dir))
        if name.startswith("trial_") and os.path.isfile(os.path.join(project_dir, name, "trial.json"))
    ]
    for path in names:
        try:
            with open(path) as handle:
                content = json.load(handle)
            if isinstance(content, dict):
                missing = [key for key in _SEARCH_FILE_KEYS.get(os.path.basename(path), ()) if key not in content]
                reason = f"it lacks {', '.join(missing)}" if missing else None
            else:
                reason = "not a JSON object"
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            reason = f"not readable JSON: {error}"
        if reason:
            return DamagedSearchError(
                f"{path} is damaged ({reason}); restore it, or start the search afresh "
                f"with --overwrite (overwrite=True)"
            )
    return None


_FINISHED = ("COMPLETED", "FAILED", "INVALID", "STOPPED")


# A mixin put before one of keras-tuner's oracles; mypy checks it as one.
if TYPE_CHECKING:
    from keras_tuner import Oracle as _Oracle
else:
    _Oracle = object


class TrustedOracle(_Oracle):
    """What every kerasdnn oracle adds to keras-tuner's: its saved state never makes it train a trial twice.

    keras-tuner saves `oracle.json` before it lets go of a trial that has
    just ended, so a finished search kept its last trial as ongoing and a
    rerun trained it again; and on reloading it sends every ongoing trial to
    be retried by whichever worker asks first, while the worker that was
    training it may still report it. Here the state is saved again once the
    trial is let go; on reloading, a trial that had finished is dropped from
    the ongoing ones, and one still running stays with its own worker, which
    is handed it again when it asks (keras-tuner's rule for a worker that
    comes back). A trial that `oracle.json` lists but whose `trial.json` is
    gone is reported, not trained again under the same id.

    And seed 0 is a seed: keras-tuner reads a falsy seed as none given and
    draws one at random (`seed or random.randint(1, 10000)`), so the
    default `seed=0` searched other trials on every run.
    """

    def __init__(self, *args: Any, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, seed=seed, **kwargs)
        if seed is not None:
            self.seed = self._seed_state = seed

    def end_trial(self, trial: keras_tuner.engine.trial.Trial) -> None:
        super().end_trial(trial)
        self.save()

    def set_state(self, state: dict[str, Any]) -> None:
        # A state without one of these lists raises KeyError here, as in
        # keras-tuner's own set_state; make_tuner then names the file.
        listed = {*state["start_order"], *state["end_order"], *state["ongoing_trials"].values()}
        missing = sorted(listed - set(self.trials))
        if missing:
            trial = os.path.join(self._project_dir, f"trial_{missing[0]}", "trial.json")
            raise DamagedSearchError(
                f"{trial} is missing, but {self._get_oracle_fname()} lists trial {missing[0]} "
                f"({len(missing)} missing in all); restore it, or start the search afresh with --overwrite "
                f"(overwrite=True)"
            )
        super().set_state(state)
        self._reloaded_ongoing = dict(self.ongoing_trials)

    def reload(self) -> None:
        super().reload()  # keras-tuner's reload ends in set_state, which keeps the ongoing trials it read
        ongoing = self._reloaded_ongoing
        running = {tuner_id: trial for tuner_id, trial in ongoing.items() if trial.status not in _FINISHED}
        self._retry_queue = [
            trial_id for trial_id in self._retry_queue if trial_id not in {trial.trial_id for trial in ongoing.values()}
        ]
        self.ongoing_trials = running
        self.save()


def defaults_first(oracle_class: type) -> type:
    """Subclasses an oracle so that its first trial is the space's defaults.

    The defaults are the headline network, so a search can end no worse than
    the untuned net; the rest of the trials follow the oracle's own method.
    """

    class DefaultsFirst(TrustedOracle, oracle_class):
        def populate_space(self, trial_id):
            if not self.trials:
                return {"status": keras_tuner.engine.trial.TrialStatus.RUNNING, "values": self.hyperparameters.values}
            return super().populate_space(trial_id)

    DefaultsFirst.__name__ = f"DefaultsFirst{oracle_class.__name__}"
    return DefaultsFirst


class ResumableGridOracle(TrustedOracle, keras_tuner.oracles.GridSearchOracle):
    """keras-tuner's grid search, resumable: the grid's position is saved with the oracle.

    keras-tuner keeps the order of the combinations tried and the trials
    whose successors are still to be tried in memory only, so a grid search
    started again (a larger `max_trials`, a restarted chief) found nothing
    left to try. Both are saved in `oracle.json` here. Its first trial is
    the space's defaults already, as the other kinds' are made to be.
    """

    def get_state(self) -> dict[str, Any]:
        state = super().get_state()
        # keras-tuner's LinkedList: the first index follows None.
        order, index = [], self._ordered_ids._next_index[None]
        while index is not None:
            order.append(self._ordered_ids._memory[index])
            index = self._ordered_ids._next_index[index]
        return {**state, "grid_order": order, "grid_populate_next": list(self._populate_next)}

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        self._ordered_ids = type(self._ordered_ids)()
        for trial_id in state.get("grid_order", []):
            self._ordered_ids.insert(trial_id)
        self._populate_next = list(state.get("grid_populate_next", []))


class HyperbandDefaultsFirst(TrustedOracle, keras_tuner.oracles.HyperbandOracle):
    """Hyperband whose first candidate is the space's defaults.

    Hyperband's own `populate_space` adds its bracket bookkeeping to the
    values, so the defaults go in where it draws a new candidate
    (keras-tuner's `_random_values`).
    """

    def _random_values(self):
        if not self.trials:
            return dict(self.hyperparameters.values)
        return super()._random_values()
