"""Parity of Conv1D and Conv2D with Keras 3, and their argument errors."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import itertools  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import layers  # noqa: E402


def _conv2d_cases():
    cases = []
    for padding, strides, dilation, data_format, groups in itertools.product(
        ["valid", "same"],
        [1, 2, (2, 3)],
        [1, 2],
        ["channels_last", "channels_first"],
        [1, 2],
    ):
        if strides != 1 and dilation != 1:
            continue
        cases.append((padding, strides, dilation, data_format, groups))
    return cases


@pytest.mark.parametrize(
    "padding,strides,dilation,data_format,groups",
    _conv2d_cases(),
    ids=lambda value: str(value),
)
def test_conv2d_matches_keras(
    parity, rng, padding, strides, dilation, data_format, groups
):
    config = dict(
        filters=4,
        kernel_size=(3, 2),
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
        data_format=data_format,
        groups=groups,
    )
    # Odd and even sizes, so 'same' needs asymmetric padding on one axis.
    if data_format == "channels_last":
        x = rng.standard_normal((2, 7, 8, 4)).astype("float32")
    else:
        x = rng.standard_normal((2, 4, 7, 8)).astype("float32")
    theirs, ours = parity.make_pair("Conv2D", x, **config)
    parity.assert_same_outputs(theirs, ours, x)
    parity.assert_same_weights(theirs, ours)
    parity.assert_same_output_shape(theirs, ours, (None,) + x.shape[1:])


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("strides,dilation", [(1, 1), (2, 1), (3, 1), (1, 3)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("groups", [1, 2])
def test_conv1d_matches_keras(
    parity, rng, padding, strides, dilation, data_format, groups
):
    config = dict(
        filters=4,
        kernel_size=4,
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
        data_format=data_format,
        groups=groups,
    )
    shape = (2, 11, 2) if data_format == "channels_last" else (2, 2, 11)
    x = rng.standard_normal(shape).astype("float32")
    theirs, ours = parity.make_pair("Conv1D", x, **config)
    parity.assert_same_outputs(theirs, ours, x)
    parity.assert_same_weights(theirs, ours)
    parity.assert_same_output_shape(theirs, ours, (None,) + shape[1:])


def test_conv1d_same_and_causal_values():
    x = np.arange(4, dtype="float32").reshape(1, 4, 1)
    for padding, expected in [("same", [1, 3, 5, 3]), ("causal", [0, 1, 3, 5])]:
        layer = layers.Conv1D(
            1, 2, padding=padding, kernel_initializer="ones", use_bias=False
        )
        output = layer(x).detach().numpy().ravel()
        np.testing.assert_allclose(output, expected)


def test_conv2d_same_pads_bottom_right(parity):
    # Kernel 3, stride 2 on 6x6 pads one row and column, after the data.
    x = np.arange(36, dtype="float32").reshape(1, 6, 6, 1)
    layer = layers.Conv2D(
        1, 3, strides=2, padding="same", kernel_initializer="ones",
        use_bias=False,
    )
    output = layer(x).detach().numpy()[0, :, :, 0]
    assert output.shape == (3, 3)
    assert output[0, 0] == x[0, 0:3, 0:3, 0].sum()
    assert output[2, 2] == x[0, 4:6, 4:6, 0].sum()


def test_conv2d_activation_and_no_bias(parity, rng):
    x = rng.standard_normal((2, 5, 5, 3)).astype("float32")
    theirs, ours = parity.make_pair(
        "Conv2D", x, filters=2, kernel_size=3, activation="relu",
        use_bias=False,
    )
    parity.assert_same_outputs(theirs, ours, x)
    assert [w.name for w in ours.weights] == ["kernel"]


def test_conv2d_kernel_in_keras_layout():
    layer = layers.Conv2D(8, (3, 2), groups=1)
    layer.build((None, 9, 9, 6))
    assert tuple(layer.kernel.shape) == (3, 2, 6, 8)
    grouped = layers.Conv2D(8, 3, groups=2)
    grouped.build((None, 9, 9, 6))
    assert tuple(grouped.kernel.shape) == (3, 3, 3, 8)
    assert list(layer.state_dict()) == ["kernel", "bias"]


def test_conv2d_gradients_reach_weights(rng):
    layer = layers.Conv2D(2, 3, padding="same", strides=2)
    x = torch.as_tensor(rng.standard_normal((2, 6, 6, 3)).astype("float32"))
    layer(x).sum().backward()
    assert layer.kernel.grad is not None
    assert layer.bias.grad is not None


@pytest.mark.parametrize("class_name", ["Conv1D", "Conv2D"])
def test_conv_config_matches_keras(parity, class_name):
    config = dict(filters=4, kernel_size=3, padding="same")
    theirs = getattr(keras.layers, class_name)(**config)
    ours = getattr(layers, class_name)(**config)
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)
    our_config, keras_config = ours.get_config(), theirs.get_config()
    assert our_config["kernel_size"] == keras_config["kernel_size"]
    assert our_config["strides"] == keras_config["strides"]


def test_conv_config_round_trip_with_regularizers():
    layer = layers.Conv2D(
        2, 3, kernel_regularizer="l2", activity_regularizer="l1",
        bias_constraint="non_neg", activation="relu",
    )
    clone = layers.Conv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_conv2d_channels_first_output_shape():
    layer = layers.Conv2D(5, 3, strides=2, data_format="channels_first")
    assert layer.compute_output_shape((None, 3, 9, 10)) == (None, 5, 4, 4)
    same = layers.Conv2D(5, 3, strides=2, padding="same")
    assert same.compute_output_shape((None, 9, 10, 3)) == (None, 5, 5, 5)
    assert same.compute_output_shape((None, None, 10, 3)) == (None, None, 5, 5)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(filters=0, kernel_size=3), "`filters` must be a positive"),
        (dict(filters=4, kernel_size=3, groups=0), "`groups` must be"),
        (dict(filters=5, kernel_size=3, groups=2), "divisible by `groups`"),
        (dict(filters=4, kernel_size=(3, 3, 3)), "`kernel_size` must be"),
        (dict(filters=4, kernel_size=0), "each >= 1"),
        (dict(filters=4, kernel_size=3, strides="2"), "`strides` must be"),
        (dict(filters=4, kernel_size=3, padding="full"), "`padding` must"),
        (dict(filters=4, kernel_size=3, padding="causal"), "`padding` must"),
        (
            dict(filters=4, kernel_size=3, strides=2, dilation_rate=2),
            "`strides` > 1 together with `dilation_rate` > 1",
        ),
        (dict(filters=4, kernel_size=3, data_format="nhwc"), "data_format"),
    ],
)
def test_conv2d_invalid_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Conv2D(**kwargs)


def test_conv_lora_rank_not_implemented():
    with pytest.raises(NotImplementedError, match="`lora_rank`"):
        layers.Conv2D(4, 3, lora_rank=2)


def test_conv_build_errors():
    grouped = layers.Conv2D(4, 3, groups=4)
    with pytest.raises(ValueError, match="divisible by `groups`"):
        grouped.build((None, 8, 8, 6))
    unknown = layers.Conv2D(4, 3)
    with pytest.raises(ValueError, match="channels axis .* must be known"):
        unknown.build((None, 8, 8, None))
    too_small = layers.Conv2D(4, 5)
    with pytest.raises(ValueError, match="size zero or less"):
        too_small.build((None, 3, 3, 2))
    wrong_rank = layers.Conv2D(4, 3)
    with pytest.raises(ValueError, match="expects inputs of rank 4"):
        wrong_rank.compute_output_shape((None, 8, 2))


def test_conv_wrong_channels_names_layer(rng):
    layer = layers.Conv2D(4, 3, name="conv_a")
    layer(rng.standard_normal((1, 5, 5, 3)).astype("float32"))
    with pytest.raises(ValueError, match="conv_a"):
        layer(rng.standard_normal((1, 5, 5, 2)).astype("float32"))


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("strides,dilation", [(1, 1), (2, 1), (1, 2)])
def test_conv1d_gradients_match_torch(
    rng, padding, strides, dilation
):
    # Channels-last Conv1D runs torch's 2D convolution, so its gradients are
    # compared with those of torch's own 1D convolution on the same numbers.
    layer = layers.Conv1D(
        4, 3, strides=strides, padding=padding, dilation_rate=dilation, groups=2
    )
    x = torch.tensor(rng.standard_normal((3, 9, 6)), dtype=torch.float32)
    layer(x)
    ours_x = x.clone().requires_grad_(True)
    (layer(ours_x) ** 2).sum().backward()

    kernel = layer.kernel.detach().clone().requires_grad_(True)
    bias = layer.bias.detach().clone().requires_grad_(True)
    ref_x = x.clone().requires_grad_(True)
    channels_first = ref_x.permute(0, 2, 1)
    if padding == "causal":
        channels_first = torch.nn.functional.pad(
            channels_first, (2 * dilation, 0)
        )
    elif padding == "same":
        total = max(
            (-(-9 // strides) - 1) * strides + 2 * dilation + 1 - 9, 0
        )
        channels_first = torch.nn.functional.pad(
            channels_first, (total // 2, total - total // 2)
        )
    reference = torch.nn.functional.conv1d(
        channels_first,
        kernel.permute(2, 1, 0),
        bias,
        stride=strides,
        dilation=dilation,
        groups=2,
    ).permute(0, 2, 1)
    (reference**2).sum().backward()

    np.testing.assert_allclose(
        layer(x).detach().numpy(), reference.detach().numpy(), atol=1e-5
    )
    np.testing.assert_allclose(ours_x.grad.numpy(), ref_x.grad.numpy(), atol=1e-4)
    np.testing.assert_allclose(
        layer.kernel.grad.numpy(), kernel.grad.numpy(), rtol=1e-5, atol=1e-4
    )
    np.testing.assert_allclose(
        layer.bias.grad.numpy(), bias.grad.numpy(), rtol=1e-5, atol=1e-4
    )


@pytest.mark.parametrize(
    "class_name,shape",
    [("Conv1D", (4, 12, 6)), ("Conv2D", (4, 8, 8, 6))],
)
def test_conv_copies_no_activations(class_name, shape):
    # Channels-last inputs reach torch in its channels_last memory format
    # and the outputs come back contiguous, so a stack of convolutions
    # copies no activation. Only the small kernel is rearranged.
    layer = getattr(layers, class_name)(8, 3, padding="same")
    x = torch.rand(shape)
    layer(x)
    with torch.profiler.profile(record_shapes=True) as profiler:
        outputs = layer(x)
    assert outputs.is_contiguous()
    copied = [
        event.input_shapes[0]
        for event in profiler.events()
        if event.name in ("aten::copy_", "aten::clone", "aten::contiguous")
    ]
    activation_sizes = {int(np.prod(shape)), int(outputs.numel())}
    assert not [s for s in copied if int(np.prod(s)) in activation_sizes]
