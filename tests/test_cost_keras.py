"""course_utils.cost on general Keras models: every layer type by formula, and keras.applications
models against an independent count taken from the traced TensorFlow graph."""
from __future__ import annotations

import math

import pytest

from course_utils import cost

MOBILENET_V2_ALPHAS = (0.35, 0.5, 1.0, 1.4)
WEIGHT_NAMES = ("kernel", "bias", "depthwise_kernel", "pointwise_kernel")


def tf_graph_macs(model, input_shape: tuple[int, ...]) -> int:
    """MACs of one image read off the TF graph of ``model`` (independent of our layer walk).

    Conv2D/Conv3D: prod(output) x prod(filter[:-1])  (filter = (*k, C_in/groups, C_out));
    DepthwiseConv2dNative: prod(output) x kh x kw     (filter = (kh, kw, C_in, multiplier));
    Conv*BackpropInput (transposed conv): prod(input) x prod(filter[:-1])  (filter = (*k, C_out, C_in));
    MatMul/BatchMatMul: prod(output) x the contracted size.
    """
    import tensorflow as tf

    fn = tf.function(lambda x: model(x, training=False))
    return _graph_macs(fn.get_concrete_function(tf.TensorSpec((1, *input_shape), tf.float32)).graph)


def _graph_macs(graph) -> int:
    """Sum over the ops of ``graph`` and of the functions it calls (Keras runs grouped convs in an XLA function)."""
    total = 0
    shape = lambda t: [int(d) for d in t.shape]  # noqa: E731
    for op in graph.get_operations():
        if op.type in ("StatefulPartitionedCall", "PartitionedCall"):
            total += _graph_macs(graph._get_function(op.get_attr("f").name).graph)
        elif op.type in ("Conv2D", "Conv3D"):
            total += math.prod(shape(op.outputs[0])) * math.prod(shape(op.inputs[1])[:-1])
        elif op.type == "DepthwiseConv2dNative":
            total += math.prod(shape(op.outputs[0])) * math.prod(shape(op.inputs[1])[:2])
        elif op.type in ("Conv2DBackpropInput", "Conv3DBackpropInputV2"):
            total += math.prod(shape(op.inputs[2])) * math.prod(shape(op.inputs[1])[:-1])
        elif op.type in ("MatMul", "BatchMatMulV2", "BatchMatMulV3"):
            a = shape(op.inputs[0])
            flip = op.get_attr("transpose_a" if op.type == "MatMul" else "adj_x")
            total += math.prod(shape(op.outputs[0])) * (a[-2] if flip else a[-1])
    return total


def var_sizes(variables, keep=lambda v: True) -> int:
    return sum(int(math.prod(v.shape)) for v in variables if keep(v))


def is_weight(v) -> bool:
    return v.path.split("/")[-1] in WEIGHT_NAMES


# --- hand-built models, expected numbers by formula ---------------------------------------

def test_multi_input_layers_add_concatenate_multiply(frameworks):
    _, keras = frameworks
    L = keras.layers
    x = keras.Input((8, 8, 4))
    a = L.Conv2D(6, 1)(x)
    b = L.Conv2D(6, 3, padding="same")(x)
    s = L.Add()([a, b])
    m = L.Multiply()([s, a])
    c = L.Concatenate()([m, b])               # 12 channels
    y = L.Conv2D(5, 1)(c)
    model = keras.Model(x, y)
    expected = 64 * 6 * 4 + 64 * 6 * 4 * 9 + 64 * 5 * 12
    assert cost.count_macs(model) == expected == tf_graph_macs(model, (8, 8, 4))
    assert cost.count_params(model, "total") == model.count_params()


@pytest.mark.parametrize("mult", [1, 2, 3])
def test_separable_conv_2d_and_1d(frameworks, mult):
    _, keras = frameworks
    L = keras.layers
    m2 = keras.Sequential([keras.Input((16, 16, 8)), L.SeparableConv2D(12, 3, depth_multiplier=mult)])
    # depthwise: 14*14 positions x 8*mult channels x 3*3; pointwise: 14*14 x 8*mult x 12
    assert cost.count_macs(m2) == 14 * 14 * 8 * mult * 9 + 14 * 14 * 8 * mult * 12
    assert cost.count_params(m2, "total") == m2.count_params() == 9 * 8 * mult + 8 * mult * 12 + 12
    kinds = [r.kind for r in cost.profile(m2).compute_rows()]
    assert kinds == ["depthwise", "pointwise"]
    m1 = keras.Sequential([keras.Input((20, 6)), L.SeparableConv1D(10, 5, strides=2, padding="same",
                                                                    depth_multiplier=mult)])
    assert cost.count_macs(m1) == 10 * 6 * mult * 5 + 10 * 6 * mult * 10
    assert cost.count_params(m1, "total") == m1.count_params()


def test_separable_conv_classic_example(frameworks):
    """The defect report's model: 320 MACs (the Dense only) instead of 412,992."""
    _, keras = frameworks
    L = keras.layers
    model = keras.Sequential([keras.Input((32, 32, 31)), L.SeparableConv2D(4, 3, padding="same"),
                              L.GlobalAveragePooling2D(), L.Dense(80)])
    assert cost.count_macs(model) == 32 * 32 * 31 * 9 + 32 * 32 * 31 * 4 + 4 * 80 == 412_992
    assert cost.count_macs(model) == tf_graph_macs(model, (32, 32, 31))


@pytest.mark.parametrize("mult", [2, 3])
def test_depthwise_multiplier_counted_once(frameworks, mult):
    _, keras = frameworks
    L = keras.layers
    m2 = keras.Sequential([keras.Input((10, 10, 5)), L.DepthwiseConv2D(3, depth_multiplier=mult)])
    right = 8 * 8 * 5 * mult * 9          # output positions x output channels x k*k
    assert cost.count_macs(m2) == right != 8 * 8 * 5 * mult * mult * 9
    m1 = keras.Sequential([keras.Input((12, 4)), L.DepthwiseConv1D(3, depth_multiplier=mult, padding="same")])
    assert cost.count_macs(m1) == 12 * 4 * mult * 3 == tf_graph_macs(m1, (12, 4))
    assert [r.kind for r in cost.profile(m2).compute_rows()] == ["depthwise"]


def test_conv_family_1d_3d_grouped_transposed(frameworks):
    _, keras = frameworks
    L = keras.layers
    cases = [  # (input shape, layer, expected MACs)
        ((16, 16, 8), L.Conv2D(12, 3, groups=4), 14 * 14 * 12 * 9 * 2),
        ((30, 4), L.Conv1D(6, 5, strides=2), 13 * 6 * 5 * 4),
        ((6, 6, 6, 2), L.Conv3D(3, 3, padding="same"), 216 * 3 * 27 * 2),
        ((7, 4), L.Conv1DTranspose(6, 3, strides=2), 7 * 4 * 6 * 3),          # input positions x C_in x C_out x k
        ((5, 5, 4), L.Conv2DTranspose(6, 3, strides=2, padding="same"), 25 * 4 * 6 * 9),
        ((3, 3, 3, 2), L.Conv3DTranspose(4, 2, strides=2), 27 * 2 * 4 * 8),
    ]
    for shape, layer, expected in cases:
        model = keras.Sequential([keras.Input(shape), layer])
        assert cost.count_macs(model) == expected == tf_graph_macs(model, shape), type(layer).__name__
        assert cost.count_params(model, "total") == model.count_params()


@pytest.mark.parametrize("shape", [(7,), (5, 7), (3, 5, 7)])
def test_dense_on_any_rank(frameworks, shape):
    _, keras = frameworks
    model = keras.Sequential([keras.Input(shape), keras.layers.Dense(9)])
    assert cost.count_macs(model) == math.prod(shape[:-1]) * 7 * 9 == tf_graph_macs(model, shape)


def test_matmul_op_in_a_functional_graph(frameworks):
    _, keras = frameworks
    x = keras.Input((5, 6))
    q, k = keras.layers.Dense(4)(x), keras.layers.Dense(4)(x)
    scores = keras.ops.matmul(q, keras.ops.transpose(k, (0, 2, 1)))       # (5, 4) @ (4, 5)
    model = keras.Model(x, scores)
    assert cost.count_macs(model) == 2 * 5 * 6 * 4 + 5 * 5 * 4 == tf_graph_macs(model, (5, 6))


def test_shared_layers_count_once_per_call(frameworks):
    _, keras = frameworks
    L = keras.layers
    a, b = keras.Input((10,)), keras.Input((10,))
    dense = L.Dense(4)
    y = L.Concatenate()([dense(a), dense(b)])
    model = keras.Model([a, b], y)
    assert cost.count_macs(model) == 2 * 10 * 4
    assert cost.count_params(model, "total") == model.count_params() == 44
    # a conv reused twice in a row, and a nested model called twice
    x = keras.Input((8, 8, 3))
    conv = L.Conv2D(3, 3, padding="same")
    inner = keras.Sequential([keras.Input((8, 8, 3)), L.Conv2D(2, 1)])
    z = L.Add()([inner(conv(conv(x))), inner(x)])
    nested = keras.Model(x, z)
    assert cost.count_macs(nested) == 2 * 64 * 3 * 27 + 2 * 64 * 2 * 3 == tf_graph_macs(nested, (8, 8, 3))
    assert cost.count_params(nested, "total") == nested.count_params()


def test_normalization_statistics_are_not_trainable(frameworks):
    _, keras = frameworks
    L = keras.layers
    model = keras.Sequential([keras.Input((8, 8, 3)), L.Normalization(), L.Conv2D(4, 3),
                              L.BatchNormalization(), L.Flatten(), L.Dense(2)])
    trainable = var_sizes(model.trainable_weights)
    assert cost.count_params(model, "trainable") == trainable
    assert cost.count_params(model, "total") == model.count_params() == trainable + 7 + 8
    assert cost.count_params(model, "weights") == var_sizes(model.weights, is_weight)
    model.trainable = False   # by role: freezing changes nothing
    assert cost.count_params(model, "trainable") == trainable


def test_unknown_layers_with_a_kernel_raise(frameworks):
    _, keras = frameworks

    class Mystery(keras.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 3), name="kernel")

        def call(self, x):
            return keras.ops.matmul(x, self.kernel)

    model = keras.Sequential([keras.Input((5,)), Mystery(name="mystery")])
    with pytest.raises(ValueError, match="mystery.*Mystery"):
        cost.count_macs(model)
    einsum = keras.Sequential([keras.Input((5,)), keras.layers.EinsumDense("ab,bc->ac", output_shape=3)])
    with pytest.raises(ValueError, match="EinsumDense"):
        cost.count_macs(einsum)


# --- keras.applications against the TF graph ---------------------------------------------

@pytest.fixture(scope="module")
def mobilenet_v2_counts(frameworks):
    """{alpha: (our MACs, graph MACs, our params per convention, reference params)} built once."""
    _, keras = frameworks
    out = {}
    for alpha in MOBILENET_V2_ALPHAS:
        model = keras.applications.MobileNetV2(weights=None, alpha=alpha, input_shape=(224, 224, 3))
        table = cost.profile(model)
        ours = {c: table.params(c) for c in cost.CONVENTIONS}
        ref = {"total": model.count_params(), "trainable": var_sizes(model.trainable_weights),
               "weights": var_sizes(model.weights, is_weight)}
        out[alpha] = (table.macs, tf_graph_macs(model, (224, 224, 3)), ours, ref)
        keras.backend.clear_session()
    return out


@pytest.mark.parametrize("alpha", MOBILENET_V2_ALPHAS)
def test_keras_mobilenet_v2_macs_and_params(mobilenet_v2_counts, alpha):
    ours, graph, params, ref = mobilenet_v2_counts[alpha]
    assert ours == graph > 0
    assert params == ref


def test_keras_mobilenet_v2_matches_torchvision(frameworks, mobilenet_v2_counts):
    torch, _ = frameworks
    from torch.utils.flop_counter import FlopCounterMode
    from torchvision.models import mobilenet_v2

    model = mobilenet_v2(weights=None).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, 224, 224))
    assert mobilenet_v2_counts[1.0][0] == counter.get_total_flops() // 2 == 300_774_272


@pytest.mark.parametrize("name,kwargs", [
    ("MobileNetV3Small", {"include_preprocessing": True}),
    ("MobileNetV3Small", {"include_preprocessing": False}),
    ("ResNet50", {}),
])
def test_keras_applications_against_graph(frameworks, name, kwargs):
    _, keras = frameworks
    model = getattr(keras.applications, name)(weights=None, input_shape=(224, 224, 3), **kwargs)
    table = cost.profile(model)
    assert table.macs == tf_graph_macs(model, (224, 224, 3)) > 0
    assert table.params("total") == model.count_params()
    assert table.params("trainable") == var_sizes(model.trainable_weights)
    keras.backend.clear_session()
