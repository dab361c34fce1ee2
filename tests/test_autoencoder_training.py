"""Training: the generic loop, Adam in both frameworks, the recorded losses, the user cache."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mnn
from mnn._frameworks import framework_module
from mnn.cache import cache_dir
from mnn.models.training import fit

SMALL = (2, 3, 4)


def shapes(n: int, seed: int) -> np.ndarray:
    """Bright squares of random size and place on a dark background: easy to learn."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), np.float32)
    for image in x:
        top, left = rng.integers(2, 14, size=2)
        side = rng.integers(6, 13)
        image[top : top + side, left : left + side] = rng.uniform(0.6, 1.0)
    return x


def numpy_bce(outputs: np.ndarray, targets: np.ndarray) -> float:
    outputs = outputs.astype(np.float64)
    return float(-np.mean(targets * np.log(outputs) + (1 - targets) * np.log(1 - outputs)))


def test_fit_records_size_weighted_epoch_means_and_visits_every_sample_once() -> None:
    inputs = np.arange(10.0)[:, None]
    targets = 100 + inputs
    seen: list[np.ndarray] = []

    def step(x, t):
        seen.append(x[:, 0].copy())
        np.testing.assert_array_equal(t, 100 + x)  # targets travel with their inputs
        return {"loss": float(x.sum()), "size": float(len(x))}

    def evaluate(x, t):
        return {"loss": float(x.mean() + t.mean())}

    history = fit(
        step, evaluate, (inputs, targets), (inputs[:3], targets[:3]),
        epochs=2, batch_size=4, seed=0, progress=False,
    )  # fmt: skip
    assert [len(batch) for batch in seen] == [4, 4, 2, 4, 4, 2]
    for epoch in (0, 1):
        visited = np.concatenate(seen[3 * epoch : 3 * epoch + 3])
        np.testing.assert_array_equal(np.sort(visited), np.arange(10.0))
    assert not np.array_equal(np.concatenate(seen[:3]), np.concatenate(seen[3:]))
    expected_loss = [sum(b.sum() * len(b) for b in seen[3 * e : 3 * e + 3]) / 10 for e in (0, 1)]
    assert history["loss"] == pytest.approx(expected_loss)
    assert history["size"] == pytest.approx([(16 + 16 + 4) / 10] * 2)
    assert history["val_loss"] == [1.0 + 101.0] * 2
    assert set(history) == {"loss", "size", "val_loss"}


def test_fit_corrupts_training_inputs_only_and_is_seeded() -> None:
    inputs = np.zeros((6, 1))
    batches: list[tuple[np.ndarray, np.ndarray]] = []

    def step(x, t):
        batches.append((x.copy(), t.copy()))
        return {"loss": 0.0}

    def corrupt(x, rng):
        return x + rng.standard_normal(x.shape)

    def run(seed):
        batches.clear()
        data = (inputs, inputs)
        fit(step, step, data, data, epochs=1, batch_size=3, seed=seed, corrupt=corrupt,
            progress=False)  # fmt: skip
        evaluated, _ = batches.pop()  # evaluate is called with the test set, uncorrupted
        assert np.all(evaluated == 0)
        return [b[0] for b in batches]

    first = run(1)
    assert all(np.all(x != 0) for x in first)
    assert all(np.all(t == 0) for _, t in batches)
    np.testing.assert_array_equal(np.concatenate(run(1)), np.concatenate(first))
    assert not np.array_equal(np.concatenate(run(2)), np.concatenate(first))


def test_adam_steps_agree_between_the_frameworks() -> None:
    """The same network, the same batches: PyTorch and Keras take (nearly) the same steps."""
    x = shapes(16, seed=0)
    model = mnn.models.untrained_autoencoder("torch", widths=SMALL, seed=0)
    twin = mnn.models.convert_autoencoder(model, "keras")
    before = mnn.models.reconstruct(model, x)
    steps = {
        framework: framework_module("mnn.models.training", framework).adam_step(
            network, framework_module("mnn.models.autoencoder", framework).loss, 1e-2
        )
        for framework, network in (("torch", model), ("keras", twin))
    }
    for start in (0, 8):
        batch = x[start : start + 8]
        losses = {
            name: steps[name](layout(batch), layout(batch))["loss"]
            for name, layout in (("torch", lambda a: a[:, None]), ("keras", lambda a: a[..., None]))
        }
        assert losses["keras"] == pytest.approx(losses["torch"], rel=1e-5)
    change = {
        name: mnn.models.reconstruct(m, x) - before
        for name, m in [("torch", model), ("keras", twin)]
    }
    assert np.abs(change["torch"]).max() > 1e-3  # the steps did something
    np.testing.assert_allclose(
        change["keras"], change["torch"], atol=0.02 * np.abs(change["torch"]).max()
    )


@pytest.mark.parametrize(
    ("framework", "noise_std"), [("torch", 0.0), ("keras", 0.0), ("torch", 1.0)]
)
def test_history_records_the_loss_the_model_has(framework, noise_std) -> None:
    train, test = shapes(96, seed=1), shapes(20, seed=2)
    untrained = mnn.models.untrained_autoencoder(framework, widths=SMALL, seed=3)
    model, history = mnn.models.train_autoencoder(
        framework, train, test, widths=SMALL, epochs=3, batch_size=16, learning_rate=1e-2,
        noise_std=noise_std, seed=3, progress=False,
    )  # fmt: skip
    assert set(history) == {"loss", "val_loss"}
    assert len(history["loss"]) == len(history["val_loss"]) == 3
    inputs = test if noise_std == 0 else mnn.models.add_noise(test, noise_std, 3)
    # The last test loss is the binary cross-entropy of the returned model's reconstructions.
    assert history["val_loss"][-1] == pytest.approx(
        numpy_bce(mnn.models.reconstruct(model, inputs), test), rel=1e-5
    )
    assert history["val_loss"][-1] < 0.95 * mnn.models.reconstruction_loss(untrained, inputs, test)
    assert history["loss"][-1] < history["loss"][0]


@pytest.fixture
def small_fashion(monkeypatch: pytest.MonkeyPatch, isolated_env) -> list[int]:
    """Replace Fashion-MNIST by 64 + 16 synthetic images; count how often it is loaded."""
    calls: list[int] = []

    def load():
        calls.append(1)
        train = (shapes(64, seed=4) * 255).astype(np.uint8)
        test = (shapes(16, seed=5) * 255).astype(np.uint8)
        return (train, np.zeros(64, np.uint8)), (test, np.zeros(16, np.uint8))

    monkeypatch.setattr(mnn.data, "load_fashion_mnist", load)
    return calls


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_trained_autoencoder_trains_once_then_loads_from_the_cache(small_fashion, framework):
    settings = {"widths": SMALL, "epochs": 1, "batch_size": 16, "progress": False}
    model, history = mnn.models.trained_autoencoder(framework, **settings)
    again, history_again = mnn.models.trained_autoencoder(framework, **settings)
    assert len(small_fashion) == 1
    assert history_again == history
    x = shapes(5, seed=6)
    np.testing.assert_array_equal(
        mnn.models.reconstruct(again, x), mnn.models.reconstruct(model, x)
    )
    configs = list(cache_dir().glob(f"artifacts/autoencoder/{framework}/*/config.json"))
    assert len(configs) == 1
    config = json.loads(configs[0].read_text())
    assert config["seed"] == 0 and config["noise_std"] == 0.0 and config["clip"] is True

    mnn.models.trained_autoencoder(framework, noise_std=1.0, **settings)
    mnn.models.trained_autoencoder(framework, seed=1, **settings)
    assert len(small_fashion) == 3


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_a_damaged_cached_autoencoder_is_an_error_that_says_what_to_do(small_fashion, framework):
    settings = {"widths": SMALL, "epochs": 1, "batch_size": 32, "seed": 7, "progress": False}
    mnn.models.trained_autoencoder(framework, **settings)
    (config,) = cache_dir().glob(f"artifacts/autoencoder/{framework}/*/config.json")
    folder = config.parent
    (weights,) = [p for p in folder.iterdir() if p.suffix in (".pt", ".h5")]
    content = weights.read_bytes()
    for damaged in (content[: len(content) // 2], b""):
        weights.write_bytes(damaged)
        with pytest.raises(RuntimeError, match=rf"{folder} is damaged.*delete that folder"):
            mnn.models.trained_autoencoder(framework, **settings)
    weights.write_bytes(content)
    (folder / "history.json").write_text('{"loss": [0.6')
    with pytest.raises(RuntimeError, match=r"damaged.*JSONDecodeError.*delete that folder"):
        mnn.models.trained_autoencoder(framework, **settings)
    assert len(small_fashion) == 1


def test_progress_is_checked_before_training(small_fashion):
    """Found by the API sweep: any value of progress was taken."""
    settings = {"widths": SMALL, "epochs": 1, "batch_size": 16, "progress": "no"}
    with pytest.raises(TypeError, match="progress must be True or False"):
        mnn.models.trained_autoencoder("torch", **settings)
    with pytest.raises(TypeError, match="progress must be True or False"):
        mnn.models.train_autoencoder("torch", shapes(2, 0), shapes(2, 1), **settings)
    assert not small_fashion
