"""Invalid arguments raise errors that name the argument and its value."""

import numpy as np
import pytest

from torchkeras import ops

X = np.ones((2, 3), np.float32)


def test_split_uneven_sections_raises():
    with pytest.raises(ValueError, match="indices_or_sections=4"):
        ops.split(np.arange(6), 4)


def test_split_zero_sections_raises():
    with pytest.raises(ValueError, match="indices_or_sections=0"):
        ops.split(np.arange(6), 0)


def test_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="axis=2"):
        ops.sum(X, axis=2)


def test_axis_of_wrong_type_raises():
    with pytest.raises(TypeError, match="axis='0'"):
        ops.mean(X, axis="0")


def test_repeated_axis_raises():
    with pytest.raises(ValueError, match="repeated axis"):
        ops.sum(X, axis=(0, 0))


def test_squeeze_non_unit_axis_raises():
    with pytest.raises(ValueError, match="axis=1"):
        ops.squeeze(X, axis=1)


def test_reshape_size_mismatch_raises():
    with pytest.raises(ValueError, match=r"newshape=\(4, 2\)"):
        ops.reshape(X, (4, 2))


def test_transpose_bad_permutation_raises():
    with pytest.raises(ValueError, match=r"axes=\(0,\)"):
        ops.transpose(X, (0,))


def test_repeat_negative_count_raises():
    with pytest.raises(ValueError, match="repeats=-1"):
        ops.repeat(X, -1)


def test_concatenate_empty_list_raises():
    with pytest.raises(ValueError, match=r"xs=\[\]"):
        ops.concatenate([])


def test_shape_with_negative_dim_raises():
    with pytest.raises(ValueError, match=r"shape=\(2, -1\)"):
        ops.ones((2, -1))


def test_invalid_dtype_raises():
    with pytest.raises(ValueError, match="dtype='float33'"):
        ops.zeros((2,), dtype="float33")


def test_arange_zero_step_raises():
    with pytest.raises(ValueError, match="step=0"):
        ops.arange(0, 5, 0)


def test_eye_negative_size_raises():
    with pytest.raises(ValueError, match="N=-1"):
        ops.eye(-1)


def test_top_k_too_large_raises():
    with pytest.raises(ValueError, match="k=4"):
        ops.top_k(X, 4)


def test_one_hot_bad_num_classes_raises():
    with pytest.raises(ValueError, match="num_classes=0"):
        ops.one_hot([0, 1], 0)


def test_one_hot_sparse_raises():
    with pytest.raises(ValueError, match="sparse=True"):
        ops.one_hot([0, 1], 2, sparse=True)


def test_normalize_bad_order_raises():
    with pytest.raises(ValueError, match="order=0"):
        ops.normalize(X, order=0)


def test_moments_synchronized_raises():
    with pytest.raises(NotImplementedError, match="synchronized=True"):
        ops.moments(X, axes=0, synchronized=True)


def test_clip_without_bounds_raises():
    with pytest.raises(ValueError, match="x_min=None, x_max=None"):
        ops.clip(X, None, None)


def test_where_with_one_branch_raises():
    with pytest.raises(ValueError, match="x1=1, x2=None"):
        ops.where(X > 0, 1)


def test_max_of_empty_raises():
    with pytest.raises(ValueError, match="empty tensor"):
        ops.max(np.zeros((0,), np.float32))


def test_max_of_empty_with_initial():
    assert ops.max(np.zeros((0,), np.float32), initial=1.5).item() == 1.5


def test_glu_odd_axis_raises():
    with pytest.raises(ValueError, match="size 3"):
        ops.glu(X)


def test_norm_matrix_order_on_vector_raises():
    with pytest.raises(ValueError, match="ord='fro'"):
        ops.norm(X, ord="fro", axis=0)


def test_convert_strings_raises():
    with pytest.raises(TypeError, match="strings"):
        ops.convert_to_tensor(["a", "b"])


def test_convert_sparse_raises():
    with pytest.raises(ValueError, match="sparse=True"):
        ops.convert_to_tensor(X, sparse=True)


def test_einsum_keyword_raises():
    with pytest.raises(ValueError, match="optimize"):
        ops.einsum("ij->ji", X, optimize=True)
