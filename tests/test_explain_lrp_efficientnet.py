"""LRP on the ported EfficientNet-Lite0: Keras and PyTorch give the same relevance, and folding
its 49 BatchNorm layers leaves its logits unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from mnn import explain
from mnn.data import sample_image
from mnn.explain.backends import backend_of
from mnn.explain.lrp import canonizers
from mnn.models import efficientnet_lite0, imagenet

# Pixels 0 and 255 after the checkpoint's preprocessing, (x - 127) / 128.
BOUNDS = (-127 / 128, 128 / 128)


@pytest.fixture(scope="module")
def models():
    return {"torch": efficientnet_lite0("torch"), "keras": efficientnet_lite0("keras")}


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    nhwc = imagenet.preprocess([sample_image(name) for name in ("cat", "coffee")])
    return {"torch": imagenet.to_nchw(nhwc), "keras": nhwc}


@pytest.mark.parametrize("composite", ["epsilon_gamma_box", "epsilon_plus_flat"])
def test_keras_and_pytorch_relevance_agree_on_lite0(models, photos, composite):
    results = {
        name: explain.lrp(models[name], photos[name], composite=composite, bounds=BOUNDS)
        for name in models
    }
    torch_result, keras_result = results["torch"], results["keras"]
    np.testing.assert_array_equal(torch_result.classes, keras_result.classes)
    scale = np.abs(torch_result.relevance).max()
    np.testing.assert_allclose(
        imagenet.to_nchw(keras_result.relevance), torch_result.relevance, atol=1e-4 * scale
    )
    np.testing.assert_allclose(keras_result.heatmaps, torch_result.heatmaps, atol=1e-4 * scale)
    assert "49 BatchNorm layers folded" in torch_result.note
    assert torch_result.rules["stem.conv"] == keras_result.rules["stem.conv"]


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_folding_lite0_batch_norm_leaves_its_logits_unchanged(models, photos, framework):
    model, x = models[framework], photos[framework]
    backend = backend_of(model)
    graph = backend.graph(model, x.shape[1:])
    folding = canonizers.FoldBatchNorm()
    assert len(folding.pairs(graph)) == 49
    plain = backend.run(model, graph, x, keep=(graph.output,)).outputs[graph.output]
    folded = backend.run(
        model, graph, x, keep=(graph.output,), replace=folding.replacements(graph)
    ).outputs[graph.output]
    np.testing.assert_allclose(folded, plain, atol=2e-4 * np.abs(plain).max())
    again = backend.run(model, graph, x, keep=(graph.output,)).outputs[graph.output]
    np.testing.assert_array_equal(again, plain)
