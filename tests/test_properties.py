"""Properties of the small functions that decide reported numbers, over inputs hypothesis draws.

Each test states what the function promises (its docstring), checked from
first principles on every drawn input: a mean is a sum over a count, a split
keeps every sample once, a chosen divisor divides and no better one exists.
"""

import math
import os
import tempfile
import types

import keras_tuner
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kerasdnn import batching, data, scanned_steps, search_report, seeds
from kerasdnn.local_search import without_local_options

pytestmark = [pytest.mark.xdist_group("properties"), pytest.mark.core]

# Fast pure functions: enough examples to find an edge, no deadline on a loaded 2-core machine, and the
# same examples on every run (derandomize), so CI never fails on a draw that a developer's run did not see.
PROPERTIES = settings(max_examples=200, deadline=None, derandomize=True)

accuracies = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@PROPERTIES
@given(st.lists(st.one_of(st.none(), accuracies), max_size=7))
def test_seed_statistics_are_the_mean_and_sample_deviation_of_the_seeds_that_gave_a_number(values):
    numbers = [value for value in values if value is not None]
    spread = seeds.seed_statistics(values)
    assert spread["values"] == values and spread["runs"] == len(numbers)
    if not numbers:
        assert spread["mean"] is None and spread["std"] is None
        return
    mean = math.fsum(numbers) / len(numbers)
    assert spread["mean"] == pytest.approx(mean, abs=1e-12)
    if len(numbers) == 1:
        assert spread["std"] is None
    else:
        deviation = math.sqrt(math.fsum((number - mean) ** 2 for number in numbers) / (len(numbers) - 1))
        assert spread["std"] == pytest.approx(deviation, abs=1e-9)


@PROPERTIES
@given(
    st.lists(accuracies, min_size=1, max_size=5),
    st.one_of(st.none(), accuracies),
    st.one_of(st.none(), st.floats(min_value=0.0, max_value=0.1)),
)
def test_a_mean_reproduces_its_reference_within_twice_its_deviation_or_the_band(values, reference, band):
    spread = seeds.seed_statistics(values)
    verdict = seeds.reproduces(spread, reference, band)
    if reference is None or band is None:
        assert verdict is None
        return
    allowed = max(2 * (spread["std"] or 0.0), band)
    distance = abs(spread["mean"] - reference)
    if distance < allowed * (1 - 1e-9):
        assert verdict is True
    elif distance > allowed * (1 + 1e-9) + 1e-15:
        assert verdict is False


@PROPERTIES
@given(st.integers(min_value=1, max_value=30_000), st.integers(min_value=1, max_value=2_048))
def test_the_evaluation_batch_divides_the_samples_in_no_more_batches_than_the_training_batch(samples, batch_size):
    size = batching.evaluation_batch_size(samples, batch_size)
    training_batches = -(-samples // batch_size)
    cap = min(max(batch_size, batching.LARGEST_EVALUATION_BATCH), samples)
    better = [
        divisor for divisor in range(1, cap + 1) if samples % divisor == 0 and samples // divisor <= training_batches
    ]
    if better:  # the largest such divisor: one batch shape, fewest calls
        assert size == max(better)
    else:  # a prime count larger than the cap: the training batch itself
        assert size == batch_size


@PROPERTIES
@given(st.integers(min_value=1, max_value=5_000), st.integers(min_value=1, max_value=128))
def test_the_execution_length_is_the_divisor_nearest_the_one_wanted(batches, preferred):
    steps = scanned_steps.execution_steps(batches, preferred)
    candidates = [length for length in range(max(1, preferred // 2), 2 * preferred + 1) if batches % length == 0]
    if not candidates:
        assert steps == preferred
        return
    assert batches % steps == 0 and steps in candidates
    for length in candidates:  # none nearer, and on a tie the shorter
        assert abs(length - preferred) > abs(steps - preferred) or (
            abs(length - preferred) == abs(steps - preferred) and length >= steps
        )


@PROPERTIES
@given(st.integers(min_value=12, max_value=2_000))
def test_the_validation_twelfth_is_the_last_one_and_every_sample_is_kept_once(samples):
    x, y = np.arange(samples) * 10, np.arange(samples)
    (x_train, y_train), (x_validation, y_validation) = data.split_validation(x, y)
    assert len(x_validation) == samples // 12 and len(x_train) == samples - samples // 12
    np.testing.assert_array_equal(np.concatenate([x_train, x_validation]), x)
    np.testing.assert_array_equal(np.concatenate([y_train, y_validation]), y)
    assert set(y_train).isdisjoint(y_validation)


@PROPERTIES
@given(
    st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=2, max_size=50).filter(
        lambda values: max(values) - min(values) > 1e-3
    ),
    st.sampled_from(["standardize", "min_max"]),
)
def test_a_fitted_normalization_maps_its_own_data_as_its_method_says(values, method):
    x = np.array(values, dtype=np.float64)
    normalized = data.fit_normalization(x, method)(x).astype(np.float64)
    if method == "standardize":
        assert normalized.mean() == pytest.approx(0.0, abs=1e-3) and normalized.std() == pytest.approx(1.0, rel=1e-3)
    else:
        assert normalized.min() == pytest.approx(0.0, abs=1e-4) and normalized.max() == pytest.approx(1.0, rel=1e-4)


LOCAL = ["--workers", "--devices", "--oracle-ip", "--oracle-port"]
forwarded = st.sampled_from(["--max-trials", "--seed", "--epochs", "--tuner", "3", "random", "--smoke"])


@PROPERTIES
@given(
    st.lists(
        st.one_of(
            forwarded.map(lambda word: [word]),
            st.tuples(st.sampled_from(LOCAL), st.sampled_from(["2", "0,1", "127.0.0.1"])).map(list),
            st.tuples(st.sampled_from(LOCAL), st.sampled_from(["2", "a=b"])).map(lambda pair: ["=".join(pair)]),
        ),
        max_size=8,
    )
)
def test_the_launcher_forwards_every_argument_but_its_own_in_order(pieces):
    argv = [word for piece in pieces for word in piece]
    kept = [word for piece in pieces if piece[0].split("=", 1)[0] not in LOCAL for word in piece]
    assert without_local_options(argv) == kept


@PROPERTIES
@given(
    st.integers(min_value=1, max_value=300),
    st.integers(min_value=1, max_value=64),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=0, max_value=50),
    st.booleans(),
    st.booleans(),
)
def test_an_epochs_batches_are_its_seeded_permutation_cut_in_order(samples, batch_size, seed, epoch, shuffle, drop):
    if drop and samples < batch_size:
        return  # refused: no whole batch (test_train_options)
    y = np.arange(samples)
    batches = data.EpochShuffledArrays(y * 2, y, batch_size=batch_size, seed=seed, shuffle=shuffle, drop_remainder=drop)
    batches.set_epoch(epoch)
    order = np.random.default_rng([seed, epoch]).permutation(samples) if shuffle else y
    kept = samples - samples % batch_size if drop else samples
    assert len(batches) == -(-kept // batch_size)
    for index in range(len(batches)):
        x_batch, y_batch = batches[index]
        window = order[index * batch_size : (index + 1) * batch_size]
        np.testing.assert_array_equal(np.sort(y_batch), np.sort(window))  # the same samples ...
        np.testing.assert_array_equal(x_batch, y_batch * 2)  # ... each with its own input
    seen = np.concatenate([batches[index][1] for index in range(len(batches))])
    assert len(seen) == kept and len(set(seen)) == kept  # every sample once, the left-out last in the order


@PROPERTIES
@given(
    st.integers(min_value=1, max_value=100),
    st.integers(min_value=1, max_value=16),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=0, max_value=1_000),
)
def test_the_shards_of_a_batch_are_disjoint_and_together_the_whole_batch(samples, batch_size, count, seed):
    y = np.arange(samples)
    whole = data.EpochShuffledArrays(y, y, batch_size=batch_size, seed=seed)
    shards = [data.EpochShuffledArrays(y, y, batch_size=batch_size, seed=seed, shard=(i, count)) for i in range(count)]
    for index in range(len(whole)):
        parts = [shard[index][1] for shard in shards]
        together = np.concatenate(parts)
        assert len(together) == len(set(together))
        np.testing.assert_array_equal(np.sort(together), np.sort(whole[index][1]))


@PROPERTIES
@given(
    st.lists(st.one_of(st.none(), st.sampled_from([0.1, 0.5, 0.5, 0.9, 0.0])), min_size=1, max_size=12),
    st.sampled_from([("val_accuracy", "max"), ("val_loss", "min")]),
)
def test_the_trials_table_is_best_first_ties_in_trial_order_and_unscored_last(scores, objective):
    trials = {
        str(number): types.SimpleNamespace(
            trial_id=str(number), score=score, status="COMPLETED", hyperparameters=keras_tuner.HyperParameters()
        )
        for number, score in zip(np.random.default_rng(len(scores)).permutation(100), scores)
    }
    oracle = types.SimpleNamespace(trials=trials, objective=keras_tuner.Objective(*objective))
    rows = search_report.trial_rows(types.SimpleNamespace(oracle=oracle))
    assert sorted(row["trial"] for row in rows) == sorted(trials)
    scored = [row for row in rows if row["score"] is not None]
    assert rows[: len(scored)] == scored  # the unscored last
    better = (lambda a, b: a >= b) if objective[1] == "max" else (lambda a, b: a <= b)
    position = {trial_id: place for place, trial_id in enumerate(trials)}
    for first, second in zip(scored, scored[1:]):
        assert better(first["score"], second["score"])
        if first["score"] == second["score"]:
            assert position[first["trial"]] < position[second["trial"]]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.integers(min_value=30, max_value=120),
    st.integers(min_value=30, max_value=120),
    st.data(),
)
def test_a_digit_of_any_size_on_either_background_is_boxed_in_20_pixels_and_centred_by_mass(height, width, draw):
    from PIL import Image

    from kerasdnn import images

    ink_height = draw.draw(st.integers(min_value=3, max_value=height - 4))
    ink_width = draw.draw(st.integers(min_value=3, max_value=width - 4))
    top = draw.draw(st.integers(min_value=2, max_value=height - ink_height - 2))
    left = draw.draw(st.integers(min_value=2, max_value=width - ink_width - 2))
    # Ink brighter towards the bottom on a dark ground (or darker on a light paper, the same inverted), so
    # the centre of mass is not the centre of the ink's box and the shift that centres it shows.
    background = draw.draw(st.integers(min_value=0, max_value=90))
    contrast = np.linspace(draw.draw(st.integers(min_value=60, max_value=100)), 160, ink_height)[:, None]
    dark = np.full((height, width), background, np.float64)
    dark[top : top + ink_height, left : left + ink_width] += contrast
    dark = dark.round().astype(np.uint8)
    digits = []
    with tempfile.TemporaryDirectory() as folder:
        for name, pixels in (("dark.png", dark), ("light.png", 255 - dark)):  # white ink on black, black on paper
            path = os.path.join(folder, name)
            Image.fromarray(pixels).save(path)
            digits.append(images.load_digit(path))
    on_black, on_paper = digits
    assert on_black.shape == (28, 28, 1) and on_black.dtype == np.float32
    np.testing.assert_allclose(on_black, on_paper, atol=1e-3)  # the background does not matter
    field = on_black[..., 0]
    assert field.min() >= 0 and field.max() == pytest.approx(255, abs=1e-3)
    rows, columns = np.nonzero(field > 0.3 * field.max())  # the dimmest ink is 0.375 of the brightest
    assert max(np.ptp(rows), np.ptp(columns)) + 1 in (19, 20, 21)  # the longer side fitted to 20 pixels
    total = field.sum()  # moved by whole pixels: the centre of mass ends within half a pixel of the middle
    assert (field.sum(axis=1) * np.arange(28)).sum() / total == pytest.approx(13.5, abs=0.501)
    assert (field.sum(axis=0) * np.arange(28)).sum() / total == pytest.approx(13.5, abs=0.501)
