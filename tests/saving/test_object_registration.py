"""The custom object registry and scopes, against Keras 3's."""

import threading

import keras
import pytest

import torchkeras
from torchkeras import saving


class TestRegister:
    def test_default_package_matches_keras(self):
        @saving.register_keras_serializable()
        class Scale(torchkeras.layers.Layer):
            pass

        @keras.saving.register_keras_serializable()
        class KerasScale(keras.layers.Layer):
            pass

        assert saving.get_registered_name(Scale) == "Custom>Scale"
        assert keras.saving.get_registered_name(KerasScale) == (
            "Custom>KerasScale"
        )

    def test_package_and_name(self):
        @saving.register_keras_serializable(package="demo", name="doubled")
        def double(x):
            return 2 * x

        assert saving.get_registered_name(double) == "demo>doubled"
        assert saving.get_registered_object("demo>doubled") is double
        assert saving.get_custom_objects()["demo>doubled"] is double

    def test_decorator_returns_object_unchanged(self):
        class Plain(torchkeras.layers.Layer):
            pass

        assert saving.register_keras_serializable()(Plain) is Plain

    def test_class_without_get_config_raises(self):
        class NoConfig:
            pass

        with pytest.raises(ValueError, match="no `get_config\\(\\)`"):
            saving.register_keras_serializable()(NoConfig)

    def test_non_string_package_raises(self):
        with pytest.raises(TypeError, match="`package` must be a string"):
            saving.register_keras_serializable(package=3)

    def test_non_string_name_raises(self):
        with pytest.raises(TypeError, match="`name` must be a string"):
            saving.register_keras_serializable(name=3)


class TestLookup:
    def test_unregistered_name_is_dunder_name(self):
        def helper(x):
            return x

        assert saving.get_registered_name(helper) == "helper"

    def test_instance_name_raises(self):
        with pytest.raises(TypeError, match="Pass `type\\(obj\\)`"):
            saving.get_registered_name(object())

    def test_unknown_object_is_none(self):
        assert saving.get_registered_object("nothing>here") is None

    def test_module_objects_searched_last(self):
        found = saving.get_registered_object(
            "Dense", module_objects={"Dense": torchkeras.layers.Dense}
        )
        assert found is torchkeras.layers.Dense

    def test_writing_custom_objects_registers(self):
        saving.get_custom_objects()["MyDense"] = torchkeras.layers.Dense
        assert saving.get_registered_object("MyDense") is (
            torchkeras.layers.Dense
        )

    def test_explicit_beats_scope_beats_registry(self):
        saving.get_custom_objects()["thing"] = "registry"
        with saving.custom_object_scope({"thing": "scope"}):
            assert saving.get_registered_object("thing") == "scope"
            found = saving.get_registered_object(
                "thing", custom_objects={"thing": "explicit"}
            )
            assert found == "explicit"
        assert saving.get_registered_object("thing") == "registry"


class TestScope:
    def test_visible_only_inside(self):
        with saving.custom_object_scope({"fn": len}):
            assert saving.get_registered_object("fn") is len
        assert saving.get_registered_object("fn") is None

    def test_alias_is_same_class(self):
        assert saving.custom_object_scope is saving.CustomObjectScope

    def test_several_dicts_later_wins(self):
        with saving.CustomObjectScope({"a": 1, "b": 1}, None, {"b": 2}):
            assert saving.get_registered_object("a") == 1
            assert saving.get_registered_object("b") == 2

    def test_nested_scopes_inner_wins(self):
        with saving.custom_object_scope({"a": "outer", "b": "outer"}):
            with saving.custom_object_scope({"a": "inner"}):
                assert saving.get_registered_object("a") == "inner"
                assert saving.get_registered_object("b") == "outer"
            assert saving.get_registered_object("a") == "outer"

    def test_exception_closes_scope(self):
        with pytest.raises(RuntimeError), saving.custom_object_scope({"a": 1}):
            raise RuntimeError("boom")
        assert saving.get_registered_object("a") is None

    def test_scope_is_per_thread(self):
        seen = []
        with saving.custom_object_scope({"a": 1}):
            thread = threading.Thread(
                target=lambda: seen.append(saving.get_registered_object("a"))
            )
            thread.start()
            thread.join()
        assert seen == [None]

    def test_non_dict_raises(self):
        with pytest.raises(TypeError, match="must be a dict"):
            saving.custom_object_scope(["a"])
