"""The Keras-versus-torch traps of `keras.ops`, pinned to literal values."""

import numpy as np
import pytest
import torch
from ops_reference import keras

from torchkeras import ops


def test_std_and_var_are_population_statistics():
    values = [1.0, 2.0, 3.0, 4.0]
    assert ops.std(values).item() == pytest.approx(1.1180340)
    assert ops.var(values).item() == pytest.approx(1.25)
    assert torch.std(torch.tensor(values)).item() == pytest.approx(1.2909944)


def test_split_int_means_equal_sections():
    pieces = ops.split(np.arange(6), 2)
    assert [tuple(p.shape) for p in pieces] == [(3,), (3,)]


def test_split_list_means_indices():
    pieces = ops.split(np.arange(6), [2, 5])
    assert [p.tolist() for p in pieces] == [[0, 1], [2, 3, 4], [5]]


def test_split_indices_past_the_end_give_empty_pieces():
    pieces = ops.split(np.arange(4), [1, 9])
    assert [p.tolist() for p in pieces] == [[0], [1, 2, 3], []]


def test_repeat_repeats_elements_not_the_whole():
    assert ops.repeat([1, 2], 2).tolist() == [1, 1, 2, 2]
    assert ops.tile([1, 2], 2).tolist() == [1, 2, 1, 2]


def test_arange_of_ints_is_int32():
    assert ops.arange(3).dtype == torch.int32
    assert ops.arange(3.0).dtype == torch.float32


def test_ones_and_zeros_default_to_float32():
    assert ops.ones((2,)).dtype == torch.float32
    assert ops.zeros(2).dtype == torch.float32
    assert ops.eye(2).dtype == torch.float32
    assert ops.full((2,), 3).dtype == torch.float32


def test_convert_float64_array_stays_float64():
    tensor = ops.convert_to_tensor(np.array([1.0, 2.0]))
    assert tensor.dtype == torch.float64


def test_convert_python_values():
    assert ops.convert_to_tensor(1.5).dtype == torch.float32
    assert ops.convert_to_tensor(3).dtype == torch.int32
    assert ops.convert_to_tensor(2**40).dtype == torch.int64
    assert ops.convert_to_tensor([1, 2]).dtype == torch.int32


def test_reductions_take_axis_and_keepdims():
    x = np.ones((2, 3), np.float32)
    assert tuple(ops.sum(x, axis=1, keepdims=True).shape) == (2, 1)
    assert tuple(ops.mean(x, axis=0).shape) == (3,)


def test_concatenate_takes_axis():
    result = ops.concatenate([np.ones((2, 1)), np.zeros((2, 1))], axis=1)
    assert tuple(result.shape) == (2, 2)


def test_max_returns_a_tensor():
    result = ops.max(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=1)
    assert isinstance(result, torch.Tensor)
    assert result.tolist() == [5.0, 3.0]


def test_round_halves_to_even():
    assert ops.round(2.5).item() == 2.0
    assert ops.round([0.5, 1.5]).tolist() == [0.0, 2.0]


def test_shape_is_a_tuple():
    result = ops.shape(torch.zeros(2, 3))
    assert type(result) is tuple
    assert result == (2, 3)


def test_gelu_defaults_to_tanh_approximation():
    assert ops.gelu(1.0).item() == pytest.approx(0.8411920, abs=1e-6)
    exact = ops.gelu(1.0, approximate=False).item()
    assert exact == pytest.approx(0.8413447, abs=1e-6)


def test_leaky_relu_default_slope_is_point_two():
    assert ops.leaky_relu(-1.0).item() == pytest.approx(-0.2)


def test_global_defaults():
    assert keras.config.floatx() == "float32"
    assert keras.config.epsilon() == 1e-07


def test_one_hot_out_of_range_gives_zeros():
    result = ops.one_hot(np.array([0, 3, -1]), 3)
    assert result.tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 0]]


def _sparsemax_reference(logits):
    """Sparsemax of one vector, straight from its definition."""
    ordered = np.sort(logits)[::-1]
    running = np.cumsum(ordered)
    ranks = np.arange(1, len(logits) + 1)
    support = ordered * ranks > running - 1
    size = ranks[support][-1]
    tau = (running[size - 1] - 1) / size
    return np.maximum(logits - tau, 0)


def test_sparsemax_matches_its_definition():
    # keras.ops.sparsemax on torch (3.15.1) sums the running sums instead
    # of taking the last one, so its outputs need not sum to 1; the
    # definition is the reference here.
    logits = np.random.default_rng(1).normal(size=(5, 6)).astype(np.float32)
    result = ops.convert_to_numpy(ops.sparsemax(logits))
    expected = np.stack([_sparsemax_reference(row) for row in logits])
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.sum(axis=-1), 1.0, rtol=1e-5)


def test_sparsemax_over_first_axis():
    logits = np.random.default_rng(2).normal(size=(4, 3)).astype(np.float32)
    result = ops.convert_to_numpy(ops.sparsemax(logits, axis=0))
    expected = np.stack([_sparsemax_reference(col) for col in logits.T]).T
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


def test_softmax_over_size_one_axis_warns():
    with pytest.warns(UserWarning, match="has size 1"):
        ops.softmax(np.ones((3, 1), np.float32))


def test_ops_keep_gradients():
    weight = torch.ones(3, requires_grad=True)
    loss = ops.sum(ops.square(ops.multiply(weight, 2.0)))
    loss.backward()
    assert weight.grad.tolist() == [8.0, 8.0, 8.0]


def test_stop_gradient_blocks_gradients():
    weight = torch.ones(2, requires_grad=True)
    assert not ops.stop_gradient(weight * 2).requires_grad


def test_mixed_inputs_follow_the_tensor_device():
    tensor = torch.ones(2, device="meta")
    result = ops.add(tensor, np.ones(2, np.float32))
    assert result.device.type == "meta"


def test_where_single_argument_returns_stacked_indices():
    result = ops.where(np.array([[True, False], [False, True]]))
    assert result.tolist() == [[0, 1], [0, 1]]


def test_dot_follows_numpy_for_stacked_second_input():
    rng = np.random.default_rng(3)
    first = rng.normal(size=(3, 4)).astype(np.float32)
    second = rng.normal(size=(2, 4, 5)).astype(np.float32)
    result = ops.convert_to_numpy(ops.dot(first, second))
    np.testing.assert_allclose(result, np.dot(first, second), rtol=1e-5)


def test_take_negative_index_counts_from_end():
    values = np.arange(12).reshape(3, 4)
    result = ops.take(values, np.array([[0, -1]]))
    np.testing.assert_array_equal(result.numpy(), np.take(values, [[0, -1]]))


def test_prod_keepdims_without_axis_follows_numpy():
    values = np.full((2, 3), 2.0, np.float32)
    result = ops.prod(values, keepdims=True)
    assert tuple(result.shape) == (1, 1)
    assert result.item() == 64.0


def test_cumsum_honours_requested_dtype():
    result = ops.cumsum(np.ones(3, np.float32), dtype="float64")
    assert result.dtype == torch.float64
