"""Keep the global custom object registry unchanged across tests."""

import pytest

from torchkeras.saving import object_registration


@pytest.fixture(autouse=True)
def _restore_registry():
    """Undo registrations a test makes, in torchkeras and in Keras."""
    from keras.src.saving import object_registration as keras_registration

    saved = [
        (registry, dict(registry))
        for registry in (
            object_registration._GLOBAL_CUSTOM_OBJECTS,
            object_registration._GLOBAL_CUSTOM_NAMES,
            keras_registration.GLOBAL_CUSTOM_OBJECTS,
            keras_registration.GLOBAL_CUSTOM_NAMES,
        )
    ]
    yield
    for registry, contents in saved:
        registry.clear()
        registry.update(contents)
